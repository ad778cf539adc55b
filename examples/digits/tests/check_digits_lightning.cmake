# Lightning CSV logs end to end: a small digits_optim sweep whose jobs also write
# metrics.csv as PyTorch Lightning's CSVLogger does (DIGITS.LIGHTNING_CSV), collected
# with COLLECT.FORMAT lightning_csv and analysed on its validation error. Usage:
#   cmake -DDIGITS_SWEEP=exe -DDIGITS_TRAIN=exe -DCONFIG_DIR=dir -DWORK_DIR=dir -P check_digits_lightning.cmake
cmake_minimum_required(VERSION 3.21)

include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
set(cfg ${CONFIG_DIR}/digits_optim.yaml)
set(common ROOT_DIR ${WORK_DIR} SETUP.NUM_CONFIGS 3 SETUP.BASE_CFG.OPTIM.MAX_EPOCH 3
    SETUP.BASE_CFG.DIGITS.LIGHTNING_CSV true COLLECT.FORMAT lightning_csv ANALYZE.ERROR test_epoch.min_top1_err)
run(${DIGITS_SWEEP} setup --sweep-cfg ${cfg} -q ${common})
run(${DIGITS_SWEEP} launch --sweep-cfg ${cfg} -y ${common}
    LAUNCH.COMMAND "${DIGITS_TRAIN} --cfg {cfg} --mode {mode} OUT_DIR {out_dir}")
set(dir ${WORK_DIR}/digits/digits_optim)
if(NOT EXISTS ${dir}/logs/000000/lightning_logs/version_0/metrics.csv)
  message(FATAL_ERROR "the job wrote no lightning_logs/version_0/metrics.csv")
endif()
run(${DIGITS_SWEEP} collect --sweep-cfg ${cfg} ${common})
if(NOT run_output MATCHES "lightning_logs/version_0/metrics.csv \\[100%\\] \\[3/3\\]"
   OR NOT run_output MATCHES "Status: jobs_started=3/3, jobs_done=3/3, epochs_done=9/9")
  message(FATAL_ERROR "unexpected output of sweep collect:\n${run_output}\n${run_errors}")
endif()
if(NOT run_errors STREQUAL "")
  message(FATAL_ERROR "collect reported problems in Lightning's files:\n${run_errors}")
endif()
file(READ ${dir}/sweep.json sweep_json)
string(JSON jobs LENGTH "${sweep_json}")
if(NOT jobs EQUAL 3)
  message(FATAL_ERROR "sweep.json holds ${jobs} jobs, expected 3")
endif()
foreach(column test_epoch.top1_err test_epoch.min_top1_err test_epoch.acc train_epoch.loss train_epoch.top1_err)
  string(REPLACE "." ";" path ${column})
  string(JSON epochs LENGTH "${sweep_json}" 0 ${path})
  if(NOT epochs EQUAL 3)
    message(FATAL_ERROR "job 0 has ${epochs} values of ${column} in sweep.json, expected 3")
  endif()
endforeach()
string(JSON lr GET "${sweep_json}" 0 cfg OPTIM BASE_LR)
run(${DIGITS_SWEEP} analyze --sweep-cfg ${cfg} ${common})
if(NOT EXISTS ${dir}/analysis.html)
  message(FATAL_ERROR "analyze wrote no ${dir}/analysis.html")
endif()
file(READ ${dir}/analysis.html report)
# pycls's describe_sweep lines: every job analysed, on the validation error Lightning logged, done.
foreach(id 000000 000001 000002)
  if(NOT report MATCHES "err=[0-9.]+ \\| done=1.00 \\| ${id}")
    message(FATAL_ERROR "the report does not list job ${id} as analysed and done")
  endif()
endforeach()
message(STATUS "lightning_csv sweep: 3 jobs collected and analysed (job 0: lr ${lr})")
