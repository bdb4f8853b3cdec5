/*
 * info.h - what a chain of stages does to a shape, without running it:
 * output shapes, parameter and multiply-add counts, receptive field and
 * jump (--info).
 *
 * Per axis, with k_eff = d*(k-1) + 1, the course notes' recurrence
 *   r_out = r_in + (k_eff - 1) * j_in,   j_out = j_in * s
 * from r = 1, j = 1 at the input holds for forward chains (pooling is a
 * stage with d = 1).  A transposed stage divides the jump by its stride
 * and makes the field depend on the output position, so the field is
 * computed by brute force for every chain: each output's input interval
 * is traced back through every stage, and the largest over one period of
 * output positions is reported (which equals the recurrence for forward
 * chains; tests/unit/test_tensor.c checks both).
 */
#ifndef CF_INFO_H
#define CF_INFO_H

#include <stdint.h>

#include "engine/conv.h"

struct cf_stage_info {
	size_t in[3], out[3];		/* [C, H, W] */
	size_t kshape[4];		/* [C_out, C_in/groups, KH, KW] */
	size_t groups;
	int stride[2], dil[2];
	size_t pad[4];			/* top, bottom, left, right */
	uint64_t params;		/* weights + bias, equivalent layer */
	uint64_t macs;			/* multiply-adds; pooling: window ops */
	double rf[2], jump[2];		/* of the chain so far, H and W */
};

/*
 * Fill info for stage stages[idx] applied to a tensor of shape in
 * (info->in), given the jump of the chain before it (jump_in, {1, 1} at
 * the input); the receptive field is that of stages[0..idx].  Returns 0
 * or the error of cf_conv_stage_shape, with its message.
 */
int cf_stage_info(const struct cf_stage *stages, size_t idx,
    const struct cf_conv_params *p, const size_t *in, const double *jump_in,
    struct cf_stage_info *info, char *errbuf, size_t errlen);

#endif
