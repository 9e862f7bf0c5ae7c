"""The petition procedure (信访) on top of a petition-track case: documents per step, the written answer, evaluation, review and re-review."""
