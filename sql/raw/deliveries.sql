-- One row per message sent (or tried) to one recipient by one channel: what was sent to whom,
-- when, with what answer; robots' addresses hold keys, so a recipient is a name and a channel.
create table if not exists raw.deliveries (
    what          varchar not null,   -- report_monthly … | reminder | receipt | receipt_closed (已全部更正)
    period_label  varchar not null,   -- what it is about: the period (2021-07), or the unit of a receipt
    recipient     varchar not null,   -- the contact's name (recipients.yaml)
    channel       varchar not null,   -- email | wecom | dingtalk | feishu | webhook
    sha256        varchar not null,   -- of the bytes sent (subject, text, attachments)
    sent_at       timestamp not null,
    delivery_status varchar not null, -- sent | failed
    answer        varchar,            -- the server's answer, or the error
    attempts      integer             -- tries made in this run
);
-- what makes two messages the same when their bytes differ (a report: its figures; a receipt: its
-- problems), and the folder that keeps the bytes sent (TAIZHANG's sent/ beside the warehouse)
alter table raw.deliveries add column if not exists same_as varchar;
alter table raw.deliveries add column if not exists kept varchar;
