"""Reply letters (回答書 and the letters around them): kinds, rendering, the letter register.

- kinds.py — what letters exist, which decide something, which a case needs before its reply
  counts as sent.
- content.py — the snapshot of a case that a letter is written from (taken when it is asked for).
- render.py — `render_letter(letter) -> bytes`: pure, from the snapshot to a PDF/A.
- pdf.py — WeasyPrint behind one door: the restricted URL fetcher, fonts, metadata, splitting.
- services.py — the register: ask for, generate, approve, mail, return; batches.
- selectors.py — what a case page, a batch page and the reply guard read.
- tasks.py — the Celery tasks (they take ids and call services).
"""
