"""Dead letters for operators: list, show and replay them (`python -m mijnoverheid.deadletters`)."""
