-- Share of articles that are copies, per source (outlet, else agency, else the top folder).
select coalesce(a.outlet, a.agency, split_part(a.source_path, '/', 1)) as source,
       count(*) as articles,
       count(d.article_id) as duplicates,
       round(count(d.article_id) / count(*), 3) as duplicate_rate
from articles a
left join duplicates d using (article_id)
group by all
order by duplicate_rate desc, articles desc, source
