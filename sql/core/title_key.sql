-- Macro: a text as compared to find the same item twice: without any spaces (full-width ones
-- too), punctuation or symbols, so “学习A+B” and “学习AB” are one activity. The one definition:
-- validation's duplicate check reads its pattern from this file (flows/validate.py).
create or replace macro core.title_key(text) as
    regexp_replace(text, '[\s\p{Z}\p{P}\p{S}]', '', 'g')
