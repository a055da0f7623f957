"""The one error family of DenialDesk: messages written for billing staff."""


class AddinError(Exception):
    """A problem a person can fix; the message says what, where and what to do."""


class RemitParseError(AddinError):
    """An 835 file that cannot be read at all (not X12, not an 835, truncated, binary)."""


class WorkbookLayoutError(AddinError):
    """A tracker workbook whose sheets, tables or headers are not what DenialDesk expects."""


class WorkbookBusyError(AddinError):
    """The tracker is open or being written by someone else."""


class WorkbookWriteError(AddinError):
    """The tracker could not be saved; the file on disk is unchanged."""


class TemplateError(AddinError):
    """A letter template that cannot be rendered (missing field, bad tag)."""


class UnknownCodeError(AddinError):
    """A CARC, RARC or group code that DenialDesk does not know."""


class WorkbookChangedError(WorkbookBusyError):
    """The tracker on disk is no longer the one this run read (someone else saved it, or this
    run's lock was taken over); nothing was replaced, and the run may start again."""
