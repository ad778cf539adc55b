# csv_log_format.cpp: a user's log format (a plain CSV of epoch,error per job), registered by name
# and chosen with COLLECT.FORMAT; a 4-job sweep of the program itself is set up, launched here,
# collected with it and analysed on the error it logs.
set(root ${CMAKE_CURRENT_BINARY_DIR}/check_csv_log_format)
add_test(NAME example_extend_csv_log_format COMMAND extend_csv_log_format --root ${root} --configs 4)
set_tests_properties(example_extend_csv_log_format PROPERTIES LABELS "examples;extend;collect" TIMEOUT 120
  PASS_REGULAR_EXPRESSION "launch: 4 done, 0 failed\ncollect with plain_csv: jobs_started=4/4, jobs_done=4/4, epochs_done=20/20\nbest job: 00000[0-3] \\(error [0-9.]+, lr [0-9.e-]+\\)\nreport: [^\n]*/plain_csv/analysis.html")
