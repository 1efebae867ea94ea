"""What the learners answered, for their instructor: `make answers` reads this account's
~/.lstm_answers (the lessons served by `make app`); `python scripts/answers.py FOLDER ...` reads
others (on a hub, every learner's: /home/*/.lstm_answers)."""

import sys

import lstm_questions as questions

folders = sys.argv[1:] or [str(questions.answers_dir())]
print("\n".join(questions.summary(folders)))
