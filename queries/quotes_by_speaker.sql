-- Who is quoted most, how often, and in how many articles.
select speaker,
       count(*) as quotes,
       count(distinct article_id) as articles,
       any_value(text) as example
from quotes
where speaker is not null
  and article_id not in (select article_id from duplicates)  -- a reprint adds no quote
group by speaker
order by quotes desc, speaker
