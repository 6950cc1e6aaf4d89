# Counts grouped by thousands, as the CCC console and a zh-CN browser write them ("11,318"):
# Django's zh_Hans groups no digits, so the server's counts and the script's would differ.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
