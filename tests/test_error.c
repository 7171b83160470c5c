#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"

Test(error, set_and_prefix)
{
    ae_error e;
    ae_error_clear(&e);
    cr_assert_eq(ae_error_set(&e, AE_ERR_IO, "cannot open %s", "x.bin"), AE_ERR_IO);
    ae_error_prefix(&e, "loading %s", "data");
    cr_assert_str_eq(e.msg, "loading data: cannot open x.bin");
}

Test(error, diags_collect_all)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_diags_add(&d, "a.yaml", 3, 5, "unknown key '%s'", "lr");
    ae_diags_add(&d, "b.yaml", 1, 1, "bad");
    cr_assert_eq(d.count, 2);
    cr_assert_str_eq(d.items[0].file, "a.yaml");
    cr_assert_eq(d.items[0].line, 3);
    cr_assert_str_eq(d.items[0].msg, "unknown key 'lr'");
    ae_diags_free(&d);
    cr_assert_eq(d.count, 0);
}
