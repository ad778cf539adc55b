# Runs examples/digits/digits_compare.yaml end to end, small: a 32-unit and a 128-unit MLP sweep
# (NUM_CONFIGS jobs of EPOCHS epochs each), then the 128-unit sweep's report, which compares them.
# Checks that the page states the comparison in words and analysis.json holds its numbers. Usage:
#   cmake -DDIGITS_SWEEP=exe -DDIGITS_TRAIN=exe -DCONFIG_DIR=dir -DWORK_DIR=dir [-DNUM_CONFIGS=16] [-DEPOCHS=5] -P check_digits_compare.cmake
cmake_minimum_required(VERSION 3.21)
if(NOT DEFINED NUM_CONFIGS)
  set(NUM_CONFIGS 16)
endif()
if(NOT DEFINED EPOCHS)
  set(EPOCHS 5)
endif()

include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
set(cfg ${CONFIG_DIR}/digits_compare.yaml)
set(common ROOT_DIR ${WORK_DIR} SETUP.NUM_CONFIGS ${NUM_CONFIGS} SETUP.BASE_CFG.OPTIM.MAX_EPOCH ${EPOCHS}
    LAUNCH.COMMAND "${DIGITS_TRAIN} --cfg {cfg} --mode {mode} OUT_DIR {out_dir}")
run(${DIGITS_SWEEP} run --sweep-cfg ${cfg} ${common} NAME digits/digits_mlp32 SETUP.BASE_CFG.MODEL.WIDTH 32
    ANALYZE.EXTRA_SWEEP_NAMES [])
run(${DIGITS_SWEEP} run --sweep-cfg ${cfg} ${common})
set(dir ${WORK_DIR}/digits/digits_mlp128)
file(READ ${dir}/analysis.html page)
file(READ ${dir}/analysis.json facts)
if(NOT page MATCHES "<b>digits_mlp128 versus digits_mlp32\\.</b> The error distributions of digits_mlp128 and digits_mlp32 (differ|may be the same)")
  message(FATAL_ERROR "the report does not compare the two sweeps")
endif()
string(REGEX MATCH "(digits_mlp[0-9]+ is better than digits_mlp[0-9]+|digits_mlp128 and digits_mlp32 do not differ clearly) at the 10th percentile of the error[^.<]*" said "${page}")
if(said STREQUAL "")
  message(FATAL_ERROR "the report does not state the 10th percentile's difference")
endif()
string(JSON n LENGTH "${facts}" comparisons)
string(JSON p GET "${facts}" comparisons 0 p_value)
string(JSON lo GET "${facts}" comparisons 0 quantiles 0 interval 0)
string(JSON hi GET "${facts}" comparisons 0 quantiles 0 interval 1)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "analysis.json: expected 1 comparison, got ${n}")
endif()
message(STATUS "${said}")
message(STATUS "analysis.json: KS p = ${p}; 10th percentile difference (128 - 32) in [${lo}, ${hi}]")
