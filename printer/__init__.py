"""ESC/POS printing for kiosks and clerk workplaces: layouts, transports, status.

This package imports nothing else of the project; ``hardware_sim`` registers its
simulated printers here (``sim://name``) instead of being imported.
"""

from printer.commands import Align
from printer.device import (
    AsyncPrinter,
    Printer,
    PrintReport,
    open_printer,
    open_printer_async,
    translate_errors,
)
from printer.document import (
    PAPERS,
    Cut,
    Document,
    Feed,
    PaperSpec,
    QrBlock,
    TextLine,
    line_text,
    paper_for,
    qr_image,
    split_receipts,
)
from printer.encoding import cyrillic_codepage, encode_cp866, printable
from printer.exceptions import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterDisconnected,
    PrinterError,
    PrinterFault,
    PrinterNotReady,
    PrinterOffline,
    PrinterTimeout,
    StatusUnknown,
)
from printer.layouts import (
    AcceptedDocument,
    IntakeReceiptData,
    IssuanceReceiptData,
    TicketData,
    build_intake_receipt,
    build_issuance_receipt,
    build_ticket,
    render_intake_receipt,
    render_issuance_receipt,
    render_lines,
    render_text,
    render_ticket,
)
from printer.status import PrinterState, PrinterStatus, parse_status
from printer.transports import parse_printer_url, register_sim, unregister_sim

__all__ = [
    "PAPERS",
    "AcceptedDocument",
    "Align",
    "AsyncPrinter",
    "CoverOpen",
    "Cut",
    "Document",
    "Feed",
    "IntakeReceiptData",
    "IssuanceReceiptData",
    "PaperOut",
    "PaperSpec",
    "PrintReport",
    "Printer",
    "PrinterConfigError",
    "PrinterDisconnected",
    "PrinterError",
    "PrinterFault",
    "PrinterNotReady",
    "PrinterOffline",
    "PrinterState",
    "PrinterStatus",
    "PrinterTimeout",
    "QrBlock",
    "StatusUnknown",
    "TextLine",
    "TicketData",
    "build_intake_receipt",
    "build_issuance_receipt",
    "build_ticket",
    "cyrillic_codepage",
    "encode_cp866",
    "line_text",
    "open_printer",
    "open_printer_async",
    "paper_for",
    "parse_printer_url",
    "parse_status",
    "printable",
    "qr_image",
    "register_sim",
    "render_intake_receipt",
    "render_issuance_receipt",
    "render_lines",
    "render_text",
    "render_ticket",
    "split_receipts",
    "translate_errors",
    "unregister_sim",
]
