#!/bin/sh
# LAUNCH.ON_EVENT of the tests: records its arguments, one line per event.
printf '%s|' "$@" >> "$(dirname "$0")/../events.txt"; echo >> "$(dirname "$0")/../events.txt"
