-- Most mentioned people per week (by article publication week), with how many articles name them.
select date_trunc('week', a.published_date) as week,
       e.canonical_name as person,
       count(*) as mentions,
       count(distinct e.article_id) as articles
from entities e
join articles a using (article_id)
where e.label = 'PERSON' and a.published_date is not null
group by all
order by week, mentions desc, person
