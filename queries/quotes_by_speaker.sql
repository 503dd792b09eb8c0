-- Who is quoted most, how often, and in how many articles.
select speaker,
       count(*) as quotes,
       count(distinct article_id) as articles,
       any_value(text) as example
from quotes
where speaker is not null
group by speaker
order by quotes desc, speaker
