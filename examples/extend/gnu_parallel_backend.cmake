# The GNU parallel backend runs a 6-job digits sweep for real (Debian's `parallel`;
# scripts/install-deps test installs it), then status and collect read the result.
if(SWEEP_BUILD_TESTS AND TARGET digits_train)
  set(root ${CMAKE_CURRENT_BINARY_DIR}/check_gnu_parallel)
  add_test(NAME example_extend_gnu_parallel_backend_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${root})
  set_tests_properties(example_extend_gnu_parallel_backend_clean PROPERTIES LABELS examples FIXTURES_SETUP gnu_parallel_root)
  add_test(NAME example_extend_gnu_parallel_backend
           COMMAND extend_gnu_parallel_backend --root ${root} --configs 6
                   --command "$<TARGET_FILE:digits_train> --cfg {cfg} --mode {mode} OUT_DIR {out_dir}")
  set_tests_properties(example_extend_gnu_parallel_backend PROPERTIES LABELS examples TIMEOUT 300
    FIXTURES_REQUIRED gnu_parallel_root
    PASS_REGULAR_EXPRESSION "launch with gnu_parallel: 6 done, 0 failed\nstatus: 6 jobs: 6 done[^\n]*\ncollect: jobs_started=6/6, jobs_done=6/6, epochs_done=18/18")
endif()
