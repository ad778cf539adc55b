echo "boom: no data in /nowhere" >&2
exit 1
