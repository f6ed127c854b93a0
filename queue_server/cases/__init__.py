"""Intake cases: the register, case history, deadlines, issuance and ticket links (R8–R15)."""
