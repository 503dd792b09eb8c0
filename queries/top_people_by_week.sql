-- Most mentioned people per week (by article publication week), with how many articles name them;
-- reprints are left out, so one story carried by ten outlets counts once; a lone surname counts
-- for the person the warehouse knows by it (person_names: "Reagan" -> "Ronald Reagan").
select date_trunc('week', a.published_date) as week,
       p.person,
       count(*) as mentions,
       count(distinct e.article_id) as articles
from entities e
join articles a using (article_id)
join person_names p on p.name = e.canonical_name
where e.label = 'PERSON' and a.published_date is not null
  and e.article_id not in (select article_id from duplicates)  -- a reprint adds no mention
group by all
order by week, mentions desc, person
