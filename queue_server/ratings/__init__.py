"""Quality ratings of a finished visit (R8): marks 1–5 on five criteria, one rating per ticket."""
