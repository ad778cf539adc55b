// Compiled only to make the precompiled header every test program reuses (SWEEP_TEST_PCH).
