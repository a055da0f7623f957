"""The X12 835 reader: a pure, streaming parse of remittance files into frozen records."""

from addin.remit.models import (
    Adjustment,
    Claim,
    ClaimStatus,
    GroupCode,
    Party,
    Payment,
    Person,
    Procedure,
    ProviderAdjustment,
    ServiceLine,
    TransactionEnd,
    TransactionHeader,
    status_label,
)
from addin.remit.parser import RemitReader, read_remit
from addin.remit.segments import Delimiters, detect_delimiters, read_segments

__all__ = [
    "Adjustment",
    "Claim",
    "ClaimStatus",
    "Delimiters",
    "GroupCode",
    "Party",
    "Payment",
    "Person",
    "Procedure",
    "ProviderAdjustment",
    "RemitReader",
    "ServiceLine",
    "TransactionEnd",
    "TransactionHeader",
    "detect_delimiters",
    "read_remit",
    "read_segments",
    "status_label",
]
