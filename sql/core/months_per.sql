-- Macro: the number of months in one period of a rule (month 1, quarter 3, year 12).
create or replace macro core.months_per(per) as
    case per when 'month' then 1 when 'quarter' then 3 when 'year' then 12 end
