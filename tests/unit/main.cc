// One binary for every unit test (tests/unit/<module>/<file>_test.cc).
#include "CppUTest/CommandLineTestRunner.h"

int main(int argc, char** argv) { return CommandLineTestRunner::RunAllTests(argc, argv); }
