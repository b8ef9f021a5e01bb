-- Macro: a rule's slot in words, as reports write it: 2021年8月, 2021年第二季度, 2021年.
create or replace macro core.slot_name(slot_start, per) as
    year(slot_start) || '年' || case per
        when 'month' then month(slot_start) || '月'
        when 'quarter' then '第' || ['一', '二', '三', '四'][quarter(slot_start)] || '季度'
        else ''
    end
