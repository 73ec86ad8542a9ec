"""Posts, pages, categories, tags, the site's feeds, sitemap and the WordPress import."""
