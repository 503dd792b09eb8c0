-- Stories carried by the most outlets (agencies and sites), biggest first.
select story_id, title, outlet_count, article_count, first_date, last_date, outlets
from stories
where merged_into is null
order by outlet_count desc, article_count desc, story_id
