"""One module per command: each parses options, calls library functions and prints. No domain logic."""
