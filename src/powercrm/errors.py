"""Typed errors. Library code raises these; the CLI turns them into one line and an exit code."""

from __future__ import annotations


class PowercrmError(Exception):
    """Base of every error powercrm reports to a user (exit code 1 unless a subclass says otherwise)."""

    exit_code = 1


class InputError(PowercrmError):
    """A file or table cannot be used: missing, unreadable, wrong encoding, required table or column absent."""


class DataError(PowercrmError):
    """The data is readable but cannot give a result (e.g. no scored customers, no billing periods)."""


class ConfigError(PowercrmError):
    """A configuration file or value is invalid; the message names the key and the value."""


class MatrixError(ConfigError):
    """A judgment matrix is not a valid fuzzy complementary or reciprocal matrix; the message names the cell."""


class ResourceError(PowercrmError):
    """The machine cannot run the command on this data (e.g. not enough memory); the message says what to do."""


class UsageError(PowercrmError):
    """The command line itself is wrong (bad option value or combination)."""

    exit_code = 2
