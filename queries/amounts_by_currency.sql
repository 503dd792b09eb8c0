-- Money mentioned per currency: how many mentions, total and largest amount.
select currency,
       count(*) as mentions,
       sum(value) as total_value,
       max(value) as largest_value
from amounts
group by currency
order by mentions desc, currency
