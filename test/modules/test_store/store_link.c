/*
 * store_link.c
 *		Compiles the production store (extension/store.c) into this test
 *		module unchanged, so that the test exercises the real code.
 */
#include "../../../extension/store.c"
