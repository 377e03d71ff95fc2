/* Runs the core Check suites. */
#include "suites.h"
#include <stdlib.h>

int main(void)
{
	SRunner *sr = srunner_create(pmap_suite());
	int failed;

	srunner_add_suite(sr, vclock_suite());
	srunner_add_suite(sr, iobus_suite());
	srunner_add_suite(sr, vmx_suite());
	srunner_add_suite(sr, log_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
