popcheck lint --fail-on error nginx/nginx.conf && echo "nginx mail configuration: OK"
