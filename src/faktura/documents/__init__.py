"""PDF and e-invoice documents: the invoice PDF, its payment lines (FIK, EPC QR) and UBL."""
