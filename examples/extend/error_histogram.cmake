# error_histogram.cpp: a user's report section (a histogram of the error), registered by name and
# chosen with ANALYZE.SECTIONS, run on the fake_optim_64 fixture; it prints the page's sections and
# the counts it drew.
add_test(NAME extend_error_histogram
         COMMAND extend_error_histogram --sweep-json ${PROJECT_SOURCE_DIR}/tests/data/analyze/sweep.json --bins 8
                 --out ${CMAKE_CURRENT_BINARY_DIR}/error_histogram)
set_tests_properties(extend_error_histogram PROPERTIES LABELS "examples;extend"
  PASS_REGULAR_EXPRESSION "sections: EDF, Error Histogram, Jobs\n.*\n64 jobs in 8 bins\nreport: [^\n]*/histogram/analysis.html")
