"""The cells in numpy, one file per family; lstm_core is their face (import lstm_core, not this)."""
