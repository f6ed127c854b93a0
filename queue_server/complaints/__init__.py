"""Complaints (жалобы): the register, its terms in working days and its reports (R17, R8)."""
