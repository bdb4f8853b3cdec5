/*
 * test_conv.c - the convolution engine and the float -> pixel conversion.
 *
 * Values come from three independent places: worked examples done by hand
 * (and checked with torch), tables printed by torch and numpy (the python
 * that printed them is quoted above each), and a second naive
 * implementation in this file that pads the image explicitly the way
 * numpy.pad does and then runs a "valid" correlation.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/conv.h"
#include "engine/convert.h"
#include "tap.h"

/*
 * Tables printed by /usr/bin/python3 (torch 1.13, numpy 1.24) from the
 * same LCG as lcg_next() below:
 *
 *   M = 2**64
 *   class LCG:
 *       def __init__(s, seed): s.s = seed
 *       def next(s):
 *           s.s = (s.s * 6364136223846793005 + 1442695040888963407) % M
 *           return ((s.s >> 33) % 2001 - 1000) / 256.0
 *   def fill(g, shape): return torch.tensor([g.next() for _ in
 *       range(prod(shape))], dtype=torch.float32).reshape(shape)
 *   g = LCG(seed); x = fill(g, (ci, h, w))
 *   wt = fill(g, (co, ci // groups, kh, kw)); b = fill(g, (co,)) if bias
 *   xp = F.pad(x[None], (pl, pr, pt, pb), mode=mode)
 *   y = F.conv2d(xp, wt, b, stride=(sh, sw), dilation=(dh, dw),
 *       groups=groups)[0]
 *
 * with the parameters given in torch_cases[] below, and
 *
 *   img = np.arange(1, 13, dtype=float).reshape(3, 4)
 *   np.pad(img, P, mode)                                 (corner tables)
 *   np.pad(np.arange(n), 20, mode)                       (nppad tables)
 */
/* bank zero pad: [4, 3, 6] */
static const float torch_bank_zero_pad[] = {
	-5.21614075, 7.56582642, 0.628799438, 2.86724854, -13.9142609,
	-6.61630249, -25.5696106, -30.1087952, 31.5223694, 49.4409332,
	26.3781128, -11.3312531, 15.8388519, -9.3561554, 18.8391876,
	9.78036499, -33.766449, -8.12020874, 5.83335876, 4.79890442,
	-5.15657043, -12.5991669, 9.02403259, 22.541626, 16.0811462,
	-21.0264282, -38.2026215, 3.48028564, -11.329483, 10.7409515,
	2.8053894, 18.0550537, 17.3311005, 10.1820831, 7.62207031,
	6.03938293, -7.91184998, 15.9774323, 23.0492859, 17.7465363,
	-2.66497803, -9.25204468, -9.69117737, 20.4544525, 1.27812195,
	7.05001831, -38.5461884, -10.1943359, -0.847473145, 34.4230652,
	-3.35699463, 3.24464417, -18.4973755, -13.8540649, 5.60137939,
	0.0479278564, 8.04255676, -2.1930542, -7.07814026, -2.84216309,
	-11.8539276, 35.7859955, 40.8554688, -2.49197388, -25.947525,
	1.29043579, 16.1344299, -7.26251221, 12.4192047, -3.13769531,
	4.38557434, -7.18330383
};
/* groups reflect: [6, 6, 5] */
static const float torch_groups_reflect[] = {
	3.03840637, 12.2415771, 0.153106689, 14.0734406, -30.5161896,
	19.0689697, 15.4691772, 5.61035156, -7.35661316, -2.38607788,
	-10.9582977, -29.1803894, -32.2241364, -14.4557953, -21.881012,
	-0.0388183594, 21.2121887, 23.4069977, 10.7221375, 3.28596497,
	-3.72828674, -1.23799133, 6.32952881, 27.5972137, 4.13058472,
	5.83558655, 15.9856567, 15.2715759, 10.7119751, 3.42131042,
	11.0688477, -11.1415558, -27.304657, -4.67698669, 13.530899,
	-31.5859528, -1.79302979, -3.57073975, 5.97329712, 1.39930725,
	-6.46315002, -3.70289612, -7.24401855, 14.4202423, 25.9597015,
	-12.3517914, -3.75701904, 23.1053162, 14.4555359, 18.655365,
	5.2288208, -5.33830261, 9.79972839, 21.6619415, 17.2471619,
	-1.82620239, 12.3734741, 5.99960327, 13.0155945, 10.6136475,
	-31.898468, 14.6458588, 5.91326904, -23.2893219, 32.0593567,
	-18.5812225, -22.9598999, -8.03829956, -3.21980286, -14.5361633,
	-10.2450867, 3.43002319, -5.29309082, -3.3321228, 28.63591,
	-11.4157867, -13.5483093, -25.0485077, 1.22894287, -11.7549133,
	11.8787384, 39.276001, 11.1958923, 3.47627258, 6.56344604,
	-26.8598328, -2.22987366, -23.9179077, -0.510192871, -15.99617,
	-5.0174408, 5.61897278, -11.1559601, 28.9701691, -24.5068207,
	-24.0703583, 2.79374695, -9.01048279, -29.5985107, -13.8667755,
	7.09562683, -4.84689331, 0.230697632, 10.524231, -22.6288147,
	-5.98138428, -24.1752625, 11.5749512, 2.93795776, 21.265213,
	3.72213745, -5.01080322, 14.3845978, -8.11270142, -17.2618103,
	4.42802429, -6.23648071, -14.5202332, -13.4561462, 7.13047791,
	3.97068787, 5.82232666, -1.56031799, -1.55662537, 0.428573608,
	-16.2642059, -25.6593323, -17.4891357, -1.64839172, -1.0267334,
	-22.8028717, 0.682174683, -20.6802368, 3.12672424, -9.48876953,
	16.1156616, 17.9235687, 9.97114563, 9.95083618, 5.87335205,
	5.6574707, -1.15570068, 16.5821075, 26.3121185, 14.0849609,
	-8.13426208, 19.8092041, 2.43774414, -1.05809021, -8.38710022,
	3.47294617, 5.06062317, -3.43606567, 3.01068115, -5.34391785,
	28.6768188, -19.957962, 11.102417, 3.46792603, 2.82757568,
	9.88485718, -16.9620361, 14.9109955, -7.76339722, -0.793838501,
	21.2193909, -18.0069275, 16.3697205, 3.79199219, -13.4936218,
	-35.2869873, 44.5625153, -3.83433533, 11.9437256, -2.95327759,
	-16.2545929, 7.56419373, 25.1431885, -11.443985, -6.01678467
};
/* per-channel circular: [3, 7, 4] */
static const float torch_per_channel_circular[] = {
	-15.4309845, -9.37315369, -30.815567, 2.72227478, -39.387146,
	-10.3672943, 18.2523651, 20.4091339, -32.2209778, -10.3355408,
	14.3273621, 8.56150818, 11.6899109, -7.5799408, -7.75279236,
	12.8968048, 0.574966431, 21.3678436, 4.48606873, 6.86543274,
	-15.4309845, -9.37315369, -30.815567, 2.72227478, -39.387146,
	-10.3672943, 18.2523651, 20.4091339, 8.01829529, -21.6283569,
	-3.93850708, 5.85778809, -29.6326447, 3.5513916, 32.0985718,
	-8.11453247, -4.28178406, 26.9569397, 9.12205505, -4.8550415,
	-2.9853363, -16.4609985, -19.0864868, -3.51330566, -4.12690735,
	-24.0641022, -14.9104919, -12.0707092, 8.01829529, -21.6283569,
	-3.93850708, 5.85778809, -29.6326447, 3.5513916, 32.0985718,
	-8.11453247, 2.05046082, -14.7302856, -3.04960632, 2.58776855,
	-4.38737488, 16.1620636, -12.321991, -4.77807617, 0.752624512,
	3.68986511, 21.428009, 13.1108398, -4.9397583, -20.5134583,
	-2.19595337, -28.2653046, 2.15800476, -1.76824951, 2.10470581,
	-2.30047607, 2.05046082, -14.7302856, -3.04960632, 2.58776855,
	-4.38737488, 16.1620636, -12.321991, -4.77807617
};
/* groups4: [4, 3, 4] */
static const float torch_groups4[] = {
	-3.07450867, 4.75895691, 8.68513489, -30.0467682, -13.1426697,
	-1.02351379, -8.99606323, 37.3184509, 8.84132385, 2.51371765,
	-16.5793152, -14.1600647, 6.64653015, 33.3618774, -0.365982056,
	-8.69514465, -13.070755, 13.6735535, -18.7636566, -13.1816559,
	-1.20581055, -12.4388733, -0.401565552, -20.7736359, -57.456665,
	10.8381958, 32.9233093, -14.3853149, 0.120025635, -12.8590851,
	10.3467407, -19.6604462, 22.1530609, -17.8396454, -6.14941406,
	-11.791214, -11.6158905, 40.7145844, -10.8029175, 3.22253418,
	-27.8415833, -6.56529236, -10.8615112, -20.3137665, -14.5313873,
	-0.184661865, -8.63589478, 14.2441711
};
/* dilation: [1, 3, 3] */
static const float torch_dilation[] = {
	-24.6278687, 3.84060669, 10.0421753, -19.4355469, -13.5656738,
	5.79031372, -18.8292389, -37.8687439, -28.0139771
};
/* even same replicate: [3, 4, 3] */
static const float torch_even_same_replicate[] = {
	-3.48025513, 4.25068665, 27.985611, 14.7775116, 27.5309143,
	3.07118225, 18.5063019, -37.1513824, -27.5406799, -28.5029907,
	-83.605545, -60.0687561, 3.99888611, 6.32913208, 20.2593231,
	-12.5173645, -21.2358093, 5.48623657, -32.4610596, -28.2700958,
	-38.9893494, -57.5366669, -22.755661, -74.1785889, -33.7529907,
	-71.212738, 36.7773132, 23.1487579, -66.0675659, -37.1053162,
	-21.3907166, -58.3327179, 7.16027832, 33.2529297, -56.6629333,
	-12.4378052
};
/* np.pad(np.arange(n), 20, mode) for n = 1..6; modes edge,
    reflect, symmetric, wrap */
static const signed char nppad_edge[6][46] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	    },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	    1 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	    2, 2 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	    3, 3, 3 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	    4, 4, 4, 4 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	    5, 5, 5, 5, 5 },
};
static const signed char nppad_reflect[6][46] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	    },
	{ 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
	    1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
	    1 },
	{ 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0,
	    1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0,
	    1, 2 },
	{ 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0,
	    1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2,
	    3, 2, 1 },
	{ 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0,
	    1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4,
	    3, 2, 1, 0 },
	{ 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0,
	    1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0,
	    1, 2, 3, 4, 5 },
};
static const signed char nppad_symmetric[6][46] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	    },
	{ 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0,
	    1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0,
	    1 },
	{ 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0,
	    1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2,
	    2, 1 },
	{ 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0,
	    1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3,
	    2, 1, 0 },
	{ 0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0,
	    1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0,
	    1, 2, 3, 4 },
	{ 4, 5, 5, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0,
	    1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5, 5, 4, 3,
	    2, 1, 0, 0, 1 },
};
static const signed char nppad_wrap[6][46] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	    },
	{ 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
	    1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
	    1 },
	{ 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
	    1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
	    0, 1 },
	{ 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0,
	    1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0,
	    1, 2, 3 },
	{ 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0,
	    1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0,
	    1, 2, 3, 4 },
	{ 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0,
	    1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2,
	    3, 4, 5, 0, 1 },
};
/* np.pad(img, 1, {'mode': 'constant'}) */
static const float corner1_zero[5][6] = {
	{ 0, 0, 0, 0, 0, 0 },
	{ 0, 1, 2, 3, 4, 0 },
	{ 0, 5, 6, 7, 8, 0 },
	{ 0, 9, 10, 11, 12, 0 },
	{ 0, 0, 0, 0, 0, 0 },
};
/* np.pad(img, 1, {'mode': 'constant', 'constant_values': -7.5}) */
static const float corner1_constant[5][6] = {
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, 1, 2, 3, 4, -7.5 },
	{ -7.5, 5, 6, 7, 8, -7.5 },
	{ -7.5, 9, 10, 11, 12, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5 },
};
/* np.pad(img, 1, {'mode': 'edge'}) */
static const float corner1_replicate[5][6] = {
	{ 1, 1, 2, 3, 4, 4 },
	{ 1, 1, 2, 3, 4, 4 },
	{ 5, 5, 6, 7, 8, 8 },
	{ 9, 9, 10, 11, 12, 12 },
	{ 9, 9, 10, 11, 12, 12 },
};
/* np.pad(img, 1, {'mode': 'reflect'}) */
static const float corner1_reflect[5][6] = {
	{ 6, 5, 6, 7, 8, 7 },
	{ 2, 1, 2, 3, 4, 3 },
	{ 6, 5, 6, 7, 8, 7 },
	{ 10, 9, 10, 11, 12, 11 },
	{ 6, 5, 6, 7, 8, 7 },
};
/* np.pad(img, 1, {'mode': 'symmetric'}) */
static const float corner1_symmetric[5][6] = {
	{ 1, 1, 2, 3, 4, 4 },
	{ 1, 1, 2, 3, 4, 4 },
	{ 5, 5, 6, 7, 8, 8 },
	{ 9, 9, 10, 11, 12, 12 },
	{ 9, 9, 10, 11, 12, 12 },
};
/* np.pad(img, 1, {'mode': 'wrap'}) */
static const float corner1_circular[5][6] = {
	{ 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1 },
	{ 8, 5, 6, 7, 8, 5 },
	{ 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1 },
};
/* np.pad(img, 5, {'mode': 'constant'}) */
static const float corner5_zero[13][14] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 9, 10, 11, 12, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};
/* np.pad(img, 5, {'mode': 'constant', 'constant_values': -7.5}) */
static const float corner5_constant[13][14] = {
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, 1, 2, 3, 4, -7.5, -7.5, -7.5,
	    -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, 5, 6, 7, 8, -7.5, -7.5, -7.5,
	    -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, 9, 10, 11, 12, -7.5, -7.5, -7.5,
	    -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
	{ -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5, -7.5,
	    -7.5, -7.5, -7.5, -7.5 },
};
/* np.pad(img, 5, {'mode': 'edge'}) */
static const float corner5_replicate[13][14] = {
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4 },
	{ 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 8, 8, 8, 8 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
	{ 9, 9, 9, 9, 9, 9, 10, 11, 12, 12, 12, 12, 12, 12 },
};
/* np.pad(img, 5, {'mode': 'reflect'}) */
static const float corner5_reflect[13][14] = {
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 10, 11, 12, 11, 10, 9, 10, 11, 12, 11, 10, 9, 10, 11 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 10, 11, 12, 11, 10, 9, 10, 11, 12, 11, 10, 9, 10, 11 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
	{ 10, 11, 12, 11, 10, 9, 10, 11, 12, 11, 10, 9, 10, 11 },
	{ 6, 7, 8, 7, 6, 5, 6, 7, 8, 7, 6, 5, 6, 7 },
};
/* np.pad(img, 5, {'mode': 'symmetric'}) */
static const float corner5_symmetric[13][14] = {
	{ 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6, 5, 5 },
	{ 12, 12, 11, 10, 9, 9, 10, 11, 12, 12, 11, 10, 9, 9 },
	{ 12, 12, 11, 10, 9, 9, 10, 11, 12, 12, 11, 10, 9, 9 },
	{ 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6, 5, 5 },
	{ 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1 },
	{ 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1 },
	{ 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6, 5, 5 },
	{ 12, 12, 11, 10, 9, 9, 10, 11, 12, 12, 11, 10, 9, 9 },
	{ 12, 12, 11, 10, 9, 9, 10, 11, 12, 12, 11, 10, 9, 9 },
	{ 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6, 5, 5 },
	{ 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1 },
	{ 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1 },
	{ 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6, 5, 5 },
};
/* np.pad(img, 5, {'mode': 'wrap'}) */
static const float corner5_circular[13][14] = {
	{ 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5 },
	{ 12, 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1 },
	{ 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5 },
	{ 12, 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1 },
	{ 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5 },
	{ 12, 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1 },
	{ 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5 },
	{ 12, 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12, 9 },
	{ 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1 },
	{ 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5 },
};


static uint64_t lcg_state;

static double
lcg_next(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return ((double)((lcg_state >> 33) % 2001) - 1000.0) / 256.0;
}

/* A new CF_F32 [c, h, w] tensor filled from v (or from the LCG). */
static struct cf_tensor
mk(size_t c, size_t h, size_t w, const float *v)
{
	struct cf_tensor t = CF_TENSOR_INIT;
	size_t shape[3] = { c, h, w }, i, n = c * h * w;
	float *d;

	if (cf_tensor_init(&t, CF_F32, 3, shape)) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	d = t.data;
	for (i = 0; i < n; i++)
		d[i] = v ? v[i] : (float)lcg_next();
	return t;
}

/* A filter bank [co, cig, kh, kw]; wv and bv may be NULL (LCG / none). */
static void
mkbank(struct cf_kernel *k, size_t co, size_t cig, size_t kh, size_t kw,
    int groups, const float *wv, const float *bv, int bias)
{
	size_t shape[4] = { co, cig, kh, kw }, i, n = co * cig * kh * kw;
	float *d;

	memset(k, 0, sizeof(*k));
	if (cf_tensor_init(&k->weight, CF_F32, 4, shape) ||
	    (bias && !(k->bias = malloc(co * sizeof(float))))) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	k->groups = groups;
	d = k->weight.data;
	for (i = 0; i < n; i++)
		d[i] = wv ? wv[i] : (float)lcg_next();
	for (i = 0; bias && i < co; i++)
		k->bias[i] = bv ? bv[i] : (float)lcg_next();
}

static void
mkdepthwise(struct cf_kernel *k, size_t kh, size_t kw, const float *wv)
{
	size_t i;

	if (cf_kernel_init_depthwise(k, kh, kw)) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	for (i = 0; i < kh * kw; i++)
		((float *)k->weight.data)[i] = wv[i];
}

static struct cf_conv_params
valid(void)
{
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;

	p.padding = CF_PADDING_EXPLICIT;
	p.pad_mode = CF_PAD_ZERO;
	return p;
}

/* One test point: y has shape [c, h, w] and the values want (within tol). */
static int
is_tensor(const struct cf_tensor *y, size_t c, size_t h, size_t w,
    const float *want, double tol, const char *name)
{
	const float *d = y->data;
	size_t i;

	if (y->ndim != 3 || y->shape[0] != c || y->shape[1] != h ||
	    y->shape[2] != w) {
		ok(0, "%s", name);
		diag("  got shape %zux%zux%zu, want %zux%zux%zu", y->shape[0],
		    y->shape[1], y->shape[2], c, h, w);
		return 0;
	}
	for (i = 0; i < c * h * w; i++)
		if (!(fabs(d[i] - want[i]) <= tol)) {
			ok(0, "%s", name);
			diag("  sample %zu: got %.9g, want %.9g", i, d[i],
			    want[i]);
			return 0;
		}
	return ok(1, "%s", name);
}

/* ---- the second, independent implementation ---------------------------- */

/* Fold an index into 0..n-1 one reflection at a time, as numpy.pad does. */
static long
fold(long i, long n, enum cf_pad_mode m)
{
	switch (m) {
	case CF_PAD_ZERO:
	case CF_PAD_CONSTANT:
		return i < 0 || i >= n ? -1 : i;
	case CF_PAD_REPLICATE:
		return i < 0 ? 0 : i >= n ? n - 1 : i;
	case CF_PAD_CIRCULAR:
		while (i < 0)
			i += n;
		while (i >= n)
			i -= n;
		return i;
	case CF_PAD_REFLECT:
		if (n == 1)
			return 0;
		while (i < 0 || i >= n)
			i = i < 0 ? -i : 2 * (n - 1) - i;
		return i;
	case CF_PAD_SYMMETRIC:
		while (i < 0 || i >= n)
			i = i < 0 ? -i - 1 : 2 * n - 1 - i;
		return i;
	}
	return -1;
}

/* Count the outputs directly: positions whose kernel span fits. */
static size_t
count_out(size_t padded, size_t k, size_t d, size_t s)
{
	size_t i, n = 0;

	for (i = 0; i * s + d * (k - 1) < padded; i++)
		n++;
	return n;
}

/*
 * Pad x into a new image explicitly, then correlate with no padding:
 * y[o,i,j] = b + sum x_padded[g*cg + c, i*sh + m*dh, j*sw + n*dw] * w.
 * Returns 0 with y filled, or 1 when the output would be empty.
 */
static int
naive(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y)
{
	const float *xd = x->data, *wd = k->weight.data;
	size_t C = x->shape[0], H = x->shape[1], W = x->shape[2];
	size_t KH = k->weight.shape[2], KW = k->weight.shape[3];
	size_t pt, pb, pl, pr, HP, WP, HO, WO, CO, cg, opg;
	size_t c, i, j, o, m, n;
	float *xp, *yd;
	double acc;

	if (p->padding == CF_PADDING_SAME) {
		pt = p->dil_h * (KH - 1) / 2;
		pb = p->dil_h * (KH - 1) - pt;
		pl = p->dil_w * (KW - 1) / 2;
		pr = p->dil_w * (KW - 1) - pl;
	} else {
		pt = pb = p->pad_h;
		pl = pr = p->pad_w;
	}
	HP = H + pt + pb;
	WP = W + pl + pr;
	HO = count_out(HP, KH, p->dil_h, p->stride_h);
	WO = count_out(WP, KW, p->dil_w, p->stride_w);
	if (!HO || !WO)
		return 1;
	xp = malloc(C * HP * WP * sizeof(float));
	for (c = 0; c < C; c++)
	for (i = 0; i < HP; i++)
	for (j = 0; j < WP; j++) {
		long r = fold((long)i - (long)pt, (long)H, p->pad_mode);
		long q = fold((long)j - (long)pl, (long)W, p->pad_mode);
		float v = p->pad_mode == CF_PAD_CONSTANT ? p->pad_value : 0;

		if (r >= 0 && q >= 0)
			v = xd[(c * H + (size_t)r) * W + (size_t)q];
		xp[(c * HP + i) * WP + j] = v;
	}
	CO = k->depthwise ? C : k->weight.shape[0];
	cg = k->depthwise ? 1 : k->weight.shape[1];
	opg = k->depthwise ? 1 : CO / k->groups;
	*y = mk(CO, HO, WO, NULL);
	yd = y->data;
	for (o = 0; o < CO; o++)
	for (i = 0; i < HO; i++)
	for (j = 0; j < WO; j++) {
		size_t wo = k->depthwise ? 0 : o, mm, nn, row, col;

		acc = k->bias ? k->bias[wo] : 0;
		for (c = 0; c < cg; c++)
		for (m = 0; m < KH; m++)
		for (n = 0; n < KW; n++) {
			mm = p->flip ? KH - 1 - m : m;
			nn = p->flip ? KW - 1 - n : n;
			row = i * (size_t)p->stride_h + m * (size_t)p->dil_h;
			col = j * (size_t)p->stride_w + n * (size_t)p->dil_w;
			acc += (double)xp[(((o / opg) * cg + c) * HP + row) *
			    WP + col] * wd[((wo * cg + c) * KH + mm) * KW + nn];
		}
		yd[(o * HO + i) * WO + j] = (float)acc;
	}
	free(xp);
	return 0;
}

/* ---- worked examples ----------------------------------------------------- */

static void
test_worked_examples(void)
{
	static const float x09[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const float x19[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8,
	    1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const float k4[] = { 0, 1, 2, 3 };
	static const float k44[] = { 0, 1, 2, 3, 1, 2, 3, 4 };
	static const float want1[] = { 19, 25, 37, 43 };
	static const float want2[] = { 56, 72, 104, 120 };
	static const float want3[] = { 0, 8, 6, 8 };
	static const float wantflip[] = { 5, 11, 23, 29 };
	struct cf_conv_params p = valid();
	struct cf_tensor x = mk(1, 3, 3, x09), x2 = mk(2, 3, 3, x19);
	struct cf_tensor y = CF_TENSOR_INIT;
	struct cf_kernel k, kb;
	char err[200];

	mkbank(&k, 1, 1, 2, 2, 1, k4, NULL, 0);
	ok(!cf_conv2d(&x, &k, &p, &y, err, sizeof(err)), "course notes runs");
	is_tensor(&y, 1, 2, 2, want1, 0, "course notes: 3x3 0..8 * "
	    "[[0,1],[2,3]] valid = [[19,25],[37,43]]");
	cf_tensor_release(&y);

	/* torch: F.conv2d(x, w, stride=(3,2), padding=1) = [[0,8],[6,8]] */
	p.stride_h = 3;
	p.stride_w = 2;
	p.pad_h = p.pad_w = 1;
	cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	is_tensor(&y, 1, 2, 2, want3, 0, "stride 3x2, zero padding 1 = "
	    "[[0,8],[6,8]]");
	cf_tensor_release(&y);

	/* torch: F.conv2d(x, w.flip(2, 3)) = [[5,11],[23,29]] */
	p = valid();
	p.flip = 1;
	cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	is_tensor(&y, 1, 2, 2, wantflip, 0, "flip: true convolution "
	    "rotates the kernel 180 degrees");
	cf_tensor_release(&y);

	p = valid();
	mkbank(&kb, 1, 2, 2, 2, 1, k44, NULL, 0);
	ok(!cf_conv2d(&x2, &kb, &p, &y, err, sizeof(err)),
	    "two-channel bank runs");
	is_tensor(&y, 1, 2, 2, want2, 0, "two channels: bank [1,2,2,2] = "
	    "[[56,72],[104,120]]");
	cf_tensor_release(&y);

	cf_kernel_release(&kb);
	cf_kernel_release(&k);
	cf_tensor_release(&x2);
	cf_tensor_release(&x);
}

/*
 * The 5x5 binomial example.  The course notes' own image is not known
 * here, so this image was built to give 92.8125, 71.5625 and 46.875
 * (centre, top edge, top-left corner with zero padding "same");
 * torch: F.conv2d(x, w / 16, padding=1).
 */
static void
test_binomial(void)
{
	static const float img[] = {
		75, 90, 106, 90, 90,
		90, 90, 90, 91, 90,
		90, 90, 101, 90, 90,
		90, 90, 90, 90, 90,
		90, 90, 90, 90, 90,
	};
	static const float bin[] = { 1 / 16., 2 / 16., 1 / 16., 2 / 16.,
	    4 / 16., 2 / 16., 1 / 16., 2 / 16., 1 / 16. };
	static const float zero[] = {
		46.875, 67.625, 71.5625, 69.625, 50.6875,
		65.625, 90.75, 93.5, 91.9375, 67.625,
		67.5, 91.375, 92.8125, 91.5, 67.5625,
		67.5, 90.6875, 91.375, 90.6875, 67.5,
		50.625, 67.5, 67.5, 67.5, 50.625,
	};
	/* torch: F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), w/16) */
	static const float repl[] = {
		81.5625, 90.1875, 96.0625, 93.125, 90.0625,
		87.1875, 90.75, 93.5, 91.9375, 90.125,
		90, 91.375, 92.8125, 91.5, 90.0625,
		90, 90.6875, 91.375, 90.6875, 90,
		90, 90, 90, 90, 90,
	};
	struct cf_convert_opts co = CF_CONVERT_OPTS_DEFAULT;
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	struct cf_tensor x = mk(1, 5, 5, img), y = CF_TENSOR_INIT;
	struct cf_tensor u = CF_TENSOR_INIT;
	struct cf_kernel k;
	const uint8_t *ud;
	const float *yd;
	char err[200];

	mkdepthwise(&k, 3, 3, bin);
	p.pad_mode = CF_PAD_ZERO;
	cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	is_tensor(&y, 1, 5, 5, zero, 0, "binomial 1/16, zero padding");
	yd = y.data;
	is_float(yd[12], 92.8125, 0, "binomial: centre 92.8125");
	is_float(yd[2], 71.5625, 0, "binomial: top edge 71.5625");
	is_float(yd[0], 46.875, 0, "binomial: corner 46.875");
	ok(!cf_convert_to_u8(&y, &co, &u, NULL), "binomial converts");
	ud = u.data;
	ok(ud[12] == 93 && ud[2] == 72 && ud[0] == 47,
	    "binomial rounds to 93, 72, 47 (got %d, %d, %d)", ud[12], ud[2],
	    ud[0]);
	cf_tensor_release(&u);
	cf_tensor_release(&y);

	p.pad_mode = CF_PAD_REPLICATE;
	cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	is_tensor(&y, 1, 5, 5, repl, 0, "binomial 1/16, replicate (default)");
	cf_tensor_release(&y);
	cf_kernel_release(&k);
	cf_tensor_release(&x);
}

/* ---- shapes -------------------------------------------------------------- */

static void
test_out_size(void)
{
	struct cf_conv_params p = valid();
	size_t n, k, s, pd, d, bad = 0, checked = 0, b, a, yshape[3];
	size_t xs[3];
	struct cf_kernel kern;
	char err[200];
	int e;

	for (n = 1; n <= 12; n++)
	for (k = 1; k <= 6; k++)
	for (s = 1; s <= 4; s++)
	for (pd = 0; pd <= 3; pd++)
	for (d = 1; d <= 3; d++) {
		checked++;
		if (cf_conv_out_size(n, pd, pd, k, d, s) !=
		    count_out(n + 2 * pd, k, d, s) ||
		    cf_conv_out_size(n, pd, pd + 1, k, d, s) !=
		    count_out(n + 2 * pd + 1, k, d, s)) {
			if (!bad++)
				diag("  n %zu k %zu s %zu p %zu d %zu", n, k,
				    s, pd, d);
		}
	}
	ok(!bad, "out size = floor((n + 2p - d(k-1) - 1)/s) + 1 over %zu "
	    "cases", checked);
	is_float(cf_conv_out_size(3, 0, 0, 5, 1, 1), 0, 0,
	    "out size 0 when the kernel does not fit");
	is_float(cf_conv_out_size(SIZE_MAX, 1, 1, 3, 1, 1), 0, 0,
	    "out size 0 on overflow");

	/* same: ceil(n/s) outputs, extra padding at the bottom/right */
	bad = 0;
	checked = 0;
	for (n = 1; n <= 12; n++)
	for (k = 1; k <= 6; k++)
	for (s = 1; s <= 4; s++)
	for (d = 1; d <= 3; d++) {
		p.padding = CF_PADDING_SAME;
		p.stride_h = p.stride_w = (int)s;
		p.dil_h = p.dil_w = (int)d;
		mkbank(&kern, 1, 1, k, k, 1, NULL, NULL, 0);
		xs[0] = 1;
		xs[1] = xs[2] = n;
		e = cf_conv2d_shape(xs, &kern, &p, yshape, err, sizeof(err));
		cf_conv_axis_padding(&p, 0, k, &b, &a);
		checked++;
		if (e || yshape[1] != (n + s - 1) / s ||
		    yshape[2] != (n + s - 1) / s || b != d * (k - 1) / 2 ||
		    a != d * (k - 1) - b)
			bad++;
		cf_kernel_release(&kern);
	}
	ok(!bad, "same padding gives ceil(n/s) over %zu cases", checked);
	p.padding = CF_PADDING_SAME;
	p.dil_h = 1;
	cf_conv_axis_padding(&p, 0, 4, &b, &a);
	ok(b == 1 && a == 2, "same, even kernel 4: 1 before, 2 after "
	    "(got %zu, %zu)", b, a);
	p.padding = CF_PADDING_EXPLICIT;
	p.pad_h = 2;
	p.pad_w = 7;
	cf_conv_axis_padding(&p, 1, 4, &b, &a);
	ok(b == 7 && a == 7, "explicit padding: pad_w on both sides");
}

/* ---- pad modes ----------------------------------------------------------- */

static void
test_pad_index(void)
{
	static const enum cf_pad_mode modes[] = { CF_PAD_REPLICATE,
	    CF_PAD_REFLECT, CF_PAD_SYMMETRIC, CF_PAD_CIRCULAR };
	static const char *names[] = { "edge", "reflect", "symmetric",
	    "wrap" };
	const signed char (*tab[])[46] = { nppad_edge, nppad_reflect,
	    nppad_symmetric, nppad_wrap };
	long n, i;
	int mi, bad;

	for (mi = 0; mi < 4; mi++) {
		bad = 0;
		for (n = 1; n <= 6; n++)
			for (i = -20; i < n + 20; i++)
				if (cf_pad_index(i, n, modes[mi]) !=
				    tab[mi][n - 1][i + 20] && !bad++)
					diag("  n %ld i %ld: got %ld, want %d",
					    n, i, cf_pad_index(i, n, modes[mi]),
					    tab[mi][n - 1][i + 20]);
		ok(!bad, "cf_pad_index matches np.pad(..., 20, '%s') for "
		    "n = 1..6", names[mi]);
	}
	ok(cf_pad_index(-1, 5, CF_PAD_ZERO) == -1 &&
	    cf_pad_index(5, 5, CF_PAD_CONSTANT) == -1 &&
	    cf_pad_index(4, 5, CF_PAD_ZERO) == 4, "zero/constant: -1 outside");
	ok(cf_pad_index(-7, 1, CF_PAD_REFLECT) == 0 &&
	    cf_pad_index(9, 1, CF_PAD_REFLECT) == 0,
	    "reflect of a single sample is that sample");
	/* extremes stay defined (UBSan) and land inside */
	ok(cf_pad_index(LONG_MIN, 7, CF_PAD_REFLECT) >= 0 &&
	    cf_pad_index(LONG_MAX, 7, CF_PAD_SYMMETRIC) < 7 &&
	    cf_pad_index(LONG_MIN, LONG_MAX, CF_PAD_SYMMETRIC) >= 0 &&
	    cf_pad_index(LONG_MIN, 3, CF_PAD_CIRCULAR) ==
	    fold(-(LONG_MAX % 3) - 1, 3, CF_PAD_CIRCULAR),
	    "pad index at LONG_MIN/LONG_MAX");
	/* long periods: 10^12 away from a 5-sample edge */
	ok(cf_pad_index(1000000000000L, 5, CF_PAD_REFLECT) == 0 &&
	    cf_pad_index(-1000000000000L, 5, CF_PAD_SYMMETRIC) == 0 &&
	    cf_pad_index(1000000000002L, 5, CF_PAD_CIRCULAR) == 2,
	    "pad index far from the edge");
}

/*
 * A 3x4 image 1..12, the 3x3 kernel that picks its top-left tap: the
 * output is the padded image itself (without its last two rows and
 * columns), so each mode's corners are compared with numpy.pad.
 */
static void
test_corners(void)
{
	static const struct {
		enum cf_pad_mode m;
		const char *name;
		const float *t1, *t5;
	} modes[] = {
		{ CF_PAD_ZERO, "zero", &corner1_zero[0][0],
		    &corner5_zero[0][0] },
		{ CF_PAD_CONSTANT, "constant -7.5", &corner1_constant[0][0],
		    &corner5_constant[0][0] },
		{ CF_PAD_REPLICATE, "replicate", &corner1_replicate[0][0],
		    &corner5_replicate[0][0] },
		{ CF_PAD_REFLECT, "reflect", &corner1_reflect[0][0],
		    &corner5_reflect[0][0] },
		{ CF_PAD_SYMMETRIC, "symmetric", &corner1_symmetric[0][0],
		    &corner5_symmetric[0][0] },
		{ CF_PAD_CIRCULAR, "circular", &corner1_circular[0][0],
		    &corner5_circular[0][0] },
	};
	static const float pick[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct cf_conv_params p = valid();
	struct cf_tensor x = CF_TENSOR_INIT, y = CF_TENSOR_INIT;
	struct cf_kernel k;
	float img[12], want[11 * 12];
	char err[200], name[80];
	size_t mi, P, i, j;
	const float *t;

	for (i = 0; i < 12; i++)
		img[i] = (float)(i + 1);
	x = mk(1, 3, 4, img);
	mkdepthwise(&k, 3, 3, pick);
	for (mi = 0; mi < sizeof(modes) / sizeof(modes[0]); mi++)
		for (P = 1; P <= 5; P += 4) {
			p.pad_mode = modes[mi].m;
			p.pad_value = -7.5f;
			p.pad_h = p.pad_w = (int)P;
			t = P == 1 ? modes[mi].t1 : modes[mi].t5;
			/* padded: (3 + 2P) x (4 + 2P); output 2 smaller */
			for (i = 0; i < 1 + 2 * P; i++)
				for (j = 0; j < 2 + 2 * P; j++)
					want[i * (2 + 2 * P) + j] =
					    t[i * (4 + 2 * P) + j];
			if (cf_conv2d(&x, &k, &p, &y, err, sizeof(err)))
				ok(0, "%s %zu: %s", modes[mi].name, P, err);
			else {
				snprintf(name, sizeof(name), "%s: corners "
				    "match np.pad, padding %zu%s",
				    modes[mi].name, P,
				    P == 5 ? " > image" : "");
				is_tensor(&y, 1, 1 + 2 * P, 2 + 2 * P, want, 0,
				    name);
			}
			cf_tensor_release(&y);
		}
	cf_kernel_release(&k);
	cf_tensor_release(&x);
}

/* ---- against torch ------------------------------------------------------- */

static void
test_torch(void)
{
	static const struct {
		const char *name;
		uint64_t seed;
		size_t ci, h, w, co;
		int groups;
		size_t kh, kw;
		int sh, sw, dh, dw;
		enum cf_pad_mode mode;
		int same, pad, bias;
		const float *want;
		size_t oh, ow;
	} cases[] = {
		{ "bank, zero pad 1, stride 2x1, dilation 1x2", 1, 3, 5, 6,
		    4, 1, 3, 2, 2, 1, 1, 2, CF_PAD_ZERO, 0, 1, 1,
		    torch_bank_zero_pad, 3, 6 },
		{ "groups 2 (4 -> 6), reflect pad 1, dilation 2x1", 2, 4, 6,
		    5, 6, 2, 2, 3, 1, 1, 2, 1, CF_PAD_REFLECT, 0, 1, 0,
		    torch_groups_reflect, 6, 5 },
		{ "groups 3 per channel, circular pad 2, stride 1x2", 3, 3,
		    5, 5, 3, 3, 3, 3, 1, 2, 1, 1, CF_PAD_CIRCULAR, 0, 2, 1,
		    torch_per_channel_circular, 7, 4 },
		{ "groups 2 (4 -> 4), valid, bias", 5, 4, 5, 6, 4, 2, 3, 3,
		    1, 1, 1, 1, CF_PAD_ZERO, 0, 0, 1, torch_groups4, 3, 4 },
		{ "dilation 2x3, valid", 6, 1, 7, 9, 1, 1, 3, 3, 1, 1, 2, 3,
		    CF_PAD_ZERO, 0, 0, 0, torch_dilation, 3, 3 },
		{ "even 4x4 kernel, same, replicate, stride 2", 4, 2, 7, 6,
		    3, 1, 4, 4, 2, 2, 1, 1, CF_PAD_REPLICATE, 1, 0, 0,
		    torch_even_same_replicate, 4, 3 },
	};
	struct cf_tensor x, y = CF_TENSOR_INIT;
	struct cf_conv_params p;
	struct cf_kernel k;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lcg_state = cases[i].seed;
		x = mk(cases[i].ci, cases[i].h, cases[i].w, NULL);
		mkbank(&k, cases[i].co, cases[i].ci / cases[i].groups,
		    cases[i].kh, cases[i].kw, cases[i].groups, NULL, NULL,
		    cases[i].bias);
		p = valid();
		p.stride_h = cases[i].sh;
		p.stride_w = cases[i].sw;
		p.dil_h = cases[i].dh;
		p.dil_w = cases[i].dw;
		p.pad_mode = cases[i].mode;
		p.padding = cases[i].same ? CF_PADDING_SAME :
		    CF_PADDING_EXPLICIT;
		p.pad_h = p.pad_w = cases[i].pad;
		if (cf_conv2d(&x, &k, &p, &y, err, sizeof(err)))
			ok(0, "torch: %s: %s", cases[i].name, err);
		else
			is_tensor(&y, cases[i].co, cases[i].oh, cases[i].ow,
			    cases[i].want, 1e-4, cases[i].name);
		cf_tensor_release(&y);
		cf_kernel_release(&k);
		cf_tensor_release(&x);
	}
}

/* ---- random grid against the second implementation ---------------------- */

static void
test_grid(void)
{
	static const char *names[] = { "zero", "constant", "replicate",
	    "reflect", "symmetric", "circular" };
	struct cf_tensor x, y, z;
	struct cf_conv_params p;
	struct cf_kernel k;
	char err[200];
	size_t ci, co, h, w, kh, kw, i, n, runs[6] = { 0 }, empty = 0;
	int mode, groups, bad[6] = { 0 }, e, iter, want_empty;

	lcg_state = 12345;
	for (iter = 0; iter < 6000; iter++) {
		mode = iter % 6;
		ci = 1 + (lcg_state >> 40) % 4;
		lcg_next();
		h = 1 + (lcg_state >> 40) % 6;
		lcg_next();
		w = 1 + (lcg_state >> 40) % 6;
		lcg_next();
		kh = 1 + (lcg_state >> 40) % 4;
		lcg_next();
		kw = 1 + (lcg_state >> 40) % 4;
		lcg_next();
		groups = (lcg_state >> 40) % 2 ? 1 : (int)ci;
		lcg_next();
		co = (size_t)groups * (1 + (lcg_state >> 40) % 2);
		lcg_next();
		p = valid();
		p.pad_mode = (enum cf_pad_mode)mode;
		p.pad_value = 2.5f;
		p.stride_h = 1 + (int)((lcg_state >> 40) % 3);
		p.stride_w = 1 + (int)((lcg_state >> 42) % 3);
		p.dil_h = 1 + (int)((lcg_state >> 44) % 2);
		p.dil_w = 1 + (int)((lcg_state >> 46) % 3);
		p.flip = (int)((lcg_state >> 48) % 2);
		p.padding = (lcg_state >> 50) % 3 ? CF_PADDING_EXPLICIT :
		    CF_PADDING_SAME;
		p.pad_h = (int)((lcg_state >> 52) % 9);	/* up to 8 > h */
		p.pad_w = (int)((lcg_state >> 56) % 9);
		lcg_next();
		x = mk(ci, h, w, NULL);
		if ((lcg_state >> 40) % 5 == 0) {
			float wv[16];

			for (i = 0; i < kh * kw; i++)
				wv[i] = (float)lcg_next();
			mkdepthwise(&k, kh, kw, wv);
			if ((lcg_state >> 40) % 2) {
				k.bias = malloc(sizeof(float));
				k.bias[0] = (float)lcg_next();
			}
		} else {
			mkbank(&k, co, ci / (size_t)groups, kh, kw, groups,
			    NULL, NULL, (int)((lcg_state >> 41) % 2));
		}
		want_empty = naive(&x, &k, &p, &z);
		e = cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
		runs[mode]++;
		if (want_empty) {
			empty++;
			if (e != CF_ESHAPE && !bad[mode]++)
				diag("  iter %d: want an empty-output error, "
				    "got %d", iter, e);
		} else if (e) {
			if (!bad[mode]++)
				diag("  iter %d: %s", iter, err);
		} else {
			const float *a = y.data, *b = z.data;

			n = cf_tensor_numel(&z);
			if (memcmp(y.shape, z.shape, sizeof(y.shape))) {
				if (!bad[mode]++)
					diag("  iter %d: shape differs", iter);
			} else {
				for (i = 0; i < n; i++)
					if (a[i] != b[i])
						break;
				if (i < n && !bad[mode]++)
					diag("  iter %d: sample %zu %.9g != "
					    "%.9g", iter, i, a[i], b[i]);
			}
			cf_tensor_release(&z);
		}
		cf_tensor_release(&y);
		cf_kernel_release(&k);
		cf_tensor_release(&x);
	}
	for (mode = 0; mode < 6; mode++)
		ok(!bad[mode], "random grid, %s: %zu convolutions equal the "
		    "explicit-padding implementation", names[mode], runs[mode]);
	diag("  %zu of them correctly refused as empty output", empty);
}

/* ---- depthwise, bias, stage --------------------------------------------- */

static void
test_depthwise_stage(void)
{
	static const float sx[] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
	static const float sy[] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	struct cf_tensor x, one, y = CF_TENSOR_INIT, a = CF_TENSOR_INIT;
	struct cf_tensor b = CF_TENSOR_INIT, r = CF_TENSOR_INIT;
	struct cf_stage st;
	char err[200];
	size_t c, i, n;
	int bad = 0;

	/* depthwise on 3 channels = the kernel on each channel alone */
	lcg_state = 99;
	x = mk(3, 6, 7, NULL);
	memset(&st, 0, sizeof(st));
	strcpy(st.name, "sobel");
	st.nkernels = 2;
	mkdepthwise(&st.k[0], 3, 3, sx);
	mkdepthwise(&st.k[1], 3, 3, sy);
	st.k[0].bias = malloc(sizeof(float));
	st.k[0].bias[0] = 0.25f;
	cf_conv2d(&x, &st.k[0], &p, &y, err, sizeof(err));
	for (c = 0; c < 3; c++) {
		one = mk(1, 6, 7, (const float *)x.data + c * 42);
		cf_conv2d(&one, &st.k[0], &p, &r, err, sizeof(err));
		if (memcmp((float *)y.data + c * 42, r.data,
		    42 * sizeof(float)))
			bad++;
		cf_tensor_release(&r);
		cf_tensor_release(&one);
	}
	ok(y.shape[0] == 3 && !bad, "depthwise: each of 3 channels filtered "
	    "alone, bias on every channel");
	cf_tensor_release(&y);

	/* the same with a per-channel bank (groups = C) */
	{
		struct cf_kernel kb;
		float w27[27], b3[3] = { 0.25f, 0.25f, 0.25f };

		for (i = 0; i < 27; i++)
			w27[i] = sx[i % 9];
		mkbank(&kb, 3, 1, 3, 3, 3, w27, b3, 1);
		cf_conv2d(&x, &kb, &p, &a, err, sizeof(err));
		cf_conv2d(&x, &st.k[0], &p, &y, err, sizeof(err));
		ok(!memcmp(a.data, y.data, 3 * 42 * sizeof(float)),
		    "depthwise = a bank with groups = channels");
		cf_tensor_release(&a);
		cf_tensor_release(&y);
		cf_kernel_release(&kb);
	}

	/* magnitude: sqrt(a^2 + b^2) of the two convolutions */
	cf_conv2d(&x, &st.k[0], &p, &a, err, sizeof(err));
	cf_conv2d(&x, &st.k[1], &p, &b, err, sizeof(err));
	ok(!cf_conv_stage(&x, &st, &p, &y, err, sizeof(err)),
	    "magnitude stage runs");
	n = cf_tensor_numel(&a);
	bad = cf_tensor_numel(&y) != n;
	for (i = 0; !bad && i < n; i++) {
		double va = ((float *)a.data)[i], vb = ((float *)b.data)[i];

		if (((float *)y.data)[i] != (float)sqrt(va * va + vb * vb))
			bad++;
	}
	ok(!bad, "magnitude stage = sqrt(a^2 + b^2)");
	cf_tensor_release(&y);
	st.nkernels = 1;
	cf_conv_stage(&x, &st, &p, &y, err, sizeof(err));
	ok(!memcmp(y.data, a.data, n * sizeof(float)),
	    "one-kernel stage = cf_conv2d");
	cf_tensor_release(&y);
	cf_tensor_release(&b);
	cf_tensor_release(&a);
	cf_stage_release(&st);
	cf_tensor_release(&x);
}

/* ---- errors -------------------------------------------------------------- */

static void
test_errors(void)
{
	struct cf_conv_params p = valid();
	struct cf_tensor x, y = CF_TENSOR_INIT;
	struct cf_kernel k, k5;
	char err[200];
	clock_t t0;
	int e;

	lcg_state = 7;
	x = mk(4, 3, 3, NULL);
	mkbank(&k, 2, 3, 1, 1, 1, NULL, NULL, 0);
	e = cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	ok(e == CF_ESHAPE && !strcmp(err, "kernel expects 3 input channels, "
	    "image has 4"), "channel mismatch: %s", err);
	cf_kernel_release(&k);
	mkbank(&k, 3, 2, 1, 1, 2, NULL, NULL, 0);
	e = cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
	ok(e == CF_ESHAPE, "output channels not a multiple of groups: %s",
	    err);
	cf_kernel_release(&k);

	mkbank(&k5, 1, 4, 5, 5, 1, NULL, NULL, 0);
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(e == CF_ESHAPE && !strcmp(err, "kernel 5x5 (dilation 1x1) does "
	    "not fit the padded input 3x3"), "empty output: %s", err);
	p.pad_h = 1;
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(e == CF_ESHAPE && !strcmp(err, "kernel 5x5 (dilation 1x1) does "
	    "not fit the padded input 5x3"), "empty output, padded: %s", err);
	p = valid();
	p.dil_h = p.dil_w = 1000000000;
	t0 = clock();
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(e == CF_ESHAPE && clock() - t0 < CLOCKS_PER_SEC,
	    "dilation 10^9 fails quickly: %s", err);
	/* same padding makes dilation 10^9 legal: every tap but the centre
	 * reads replicated edge samples */
	p.padding = CF_PADDING_SAME;
	p.pad_mode = CF_PAD_REPLICATE;
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(!e && y.shape[1] == 3 && y.shape[2] == 3,
	    "dilation 10^9 with same padding runs (%s)", e ? err : "ok");
	cf_tensor_release(&y);
	p = valid();
	p.pad_h = p.pad_w = 2000000000;
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(e == CF_EOVERFLOW, "huge padding refused before allocating: %s",
	    err);
	p = valid();
	p.stride_w = 0;
	ok(cf_conv2d(&x, &k5, &p, &y, err, sizeof(err)) == CF_EINVAL,
	    "stride 0: %s", err);
	p = valid();
	p.dil_h = -1;
	ok(cf_conv2d(&x, &k5, &p, &y, err, sizeof(err)) == CF_EINVAL,
	    "dilation -1: %s", err);
	p = valid();
	p.pad_w = -2;
	ok(cf_conv2d(&x, &k5, &p, &y, err, sizeof(err)) == CF_EINVAL,
	    "padding -2: %s", err);
	p = valid();
	p.stride_h = p.stride_w = 2000000000;
	p.pad_h = p.pad_w = 2;
	e = cf_conv2d(&x, &k5, &p, &y, err, sizeof(err));
	ok(!e && y.shape[1] == 1 && y.shape[2] == 1, "stride 2*10^9 gives "
	    "one output");
	cf_tensor_release(&y);
	cf_kernel_release(&k5);
	cf_tensor_release(&x);
}

/* ---- convert ------------------------------------------------------------- */

static void
test_convert(void)
{
	static const float v[] = { 0.5f, 1.5f, 2.5f, -0.5f, -0.4f, 254.5f,
	    255.49f, 255.5f, 300, -3, NAN, INFINITY, -INFINITY, 0.49999997f,
	    127.5f, 1e30f };
	static const uint8_t want[] = { 1, 2, 3, 0, 0, 255, 255, 255, 255,
	    0, 0, 255, 0, 0, 128, 255 };
	static const float n4[] = { -2, 0, 2, 6, 5, 5, 5, 5 };
	struct cf_convert_opts o = CF_CONVERT_OPTS_DEFAULT;
	struct cf_clip_stats st;
	struct cf_tensor x, u = CF_TENSOR_INIT;
	const uint8_t *d;
	size_t i;
	int bad = 0;

	x = mk(1, 1, 16, v);
	ok(!cf_convert_to_u8(&x, &o, &u, &st), "convert runs");
	d = u.data;
	for (i = 0; i < 16; i++)
		if (d[i] != want[i] && !bad++)
			diag("  %.9g -> %d, want %d", v[i], d[i], want[i]);
	ok(!bad, "round half away from zero, clamp, NaN -> 0");
	ok(st.channels == 1 && st.low[0] == 3 && st.high[0] == 4,
	    "clip counts: 3 low (-0.5, -3, -inf), 4 high (255.5, 300, inf, "
	    "1e30; got %llu, %llu)",
	    (unsigned long long)st.low[0], (unsigned long long)st.high[0]);
	cf_tensor_release(&u);
	cf_tensor_release(&x);

	/* abs, then scale, then bias: |-10| * 2 + 3 = 23, not 17 or 26 */
	x = mk(1, 1, 2, (const float[]){ -10, 4 });
	o.abs = 1;
	o.scale = 2;
	o.bias = 3;
	cf_convert_to_u8(&x, &o, &u, NULL);
	d = u.data;
	ok(d[0] == 23 && d[1] == 11, "abs, scale, bias in that order "
	    "(got %d %d)", d[0], d[1]);
	cf_tensor_release(&u);
	cf_tensor_release(&x);

	/* normalize per channel; a constant channel becomes 0 */
	o = (struct cf_convert_opts)CF_CONVERT_OPTS_DEFAULT;
	o.normalize = 1;
	x = mk(2, 2, 2, n4);
	cf_convert_to_u8(&x, &o, &u, &st);
	d = u.data;
	/* (v + 2) * 255 / 8: 0, 63.75, 127.5, 255 */
	ok(d[0] == 0 && d[1] == 64 && d[2] == 128 && d[3] == 255,
	    "normalize stretches min..max to 0..255 (got %d %d %d %d)",
	    d[0], d[1], d[2], d[3]);
	ok(!d[4] && !d[5] && !d[6] && !d[7], "a constant channel becomes 0");
	ok(st.channels == 2 && !st.low[0] && !st.high[0] && !st.low[1],
	    "normalize clips nothing");
	cf_tensor_release(&u);
	cf_tensor_release(&x);

	/* normalize after abs and scale; NaN ignored by min/max */
	o.abs = 1;
	o.scale = -1;
	x = mk(1, 1, 4, (const float[]){ -1, 3, NAN, 2 });
	cf_convert_to_u8(&x, &o, &u, NULL);
	d = u.data;
	/* -|v|: -1, -3, NaN, -2 -> (v + 3) * 255 / 2: 255, 0, 0, 127.5 */
	ok(d[0] == 255 && d[1] == 0 && d[2] == 0 && d[3] == 128,
	    "normalize after abs and scale, NaN -> 0 (got %d %d %d %d)",
	    d[0], d[1], d[2], d[3]);
	cf_tensor_release(&u);
	cf_tensor_release(&x);

	/* more than 4 channels: converted, no stats */
	o = (struct cf_convert_opts)CF_CONVERT_OPTS_DEFAULT;
	lcg_state = 5;
	x = mk(6, 2, 2, NULL);
	ok(!cf_convert_to_u8(&x, &o, &u, &st) && st.channels == 0,
	    "6 channels: no clip stats");
	cf_tensor_release(&u);
	cf_tensor_release(&x);
}

/*
 * cf_convert_row's vector loop (default options) against the sample by
 * sample conversion: every n + 0.5 and its neighbouring floats, small
 * fractions, the ends, NaN and infinities, at 8 and 16 bits.
 */
static void
test_convert_row(void)
{
	struct cf_convert_opts o = CF_CONVERT_OPTS_DEFAULT;
	static float v[3 * 65545 * 5 + 16];
	static uint16_t got[sizeof(v) / sizeof(v[0])];
	uint64_t low, high, wl, wh;
	size_t n, i, bad;
	double max;
	long want;
	int d, m;

	for (m = 0; m < 2; m++) {
		max = m ? 65535 : 255;
		n = 0;
		for (d = -4; d <= (int)max + 4; d++) {
			float t = (float)d + 0.5f;

			v[n++] = t;
			v[n++] = nextafterf(t, -INFINITY);
			v[n++] = nextafterf(t, INFINITY);
			v[n++] = (float)d;
			v[n++] = (float)d + 0.25f;
		}
		v[n++] = 0.49999997f;
		v[n++] = 0x1p-30f;
		v[n++] = -0x1p-30f;
		v[n++] = NAN;
		v[n++] = INFINITY;
		v[n++] = -INFINITY;
		v[n++] = 1e30f;
		v[n++] = -1e30f;
		low = high = wl = wh = 0;
		if (m)
			cf_convert_row(v, n, &o, NULL, max, got, 1, &low, &high);
		else
			cf_convert_row(v, n, &o, NULL, max, (uint8_t *)got, 1,
			    &low, &high);
		for (bad = i = 0; i < n; i++) {
			want = cf_convert_sample(v[i], &o, NULL, max);
			wl += want < 0;
			wh += want > (long)max;
			want = want < 0 ? 0 : want > (long)max ? (long)max : want;
			if ((m ? got[i] : ((uint8_t *)got)[i]) != want &&
			    bad++ < 3)
				diag("  %.9g -> %d, want %ld", v[i], m ? got[i] :
				    ((uint8_t *)got)[i], want);
		}
		ok(!bad && low == wl && high == wh, "the %d-bit row conversion "
		    "is the sample conversion (%zu values, %llu/%llu clipped)",
		    m ? 16 : 8, n, (unsigned long long)low,
		    (unsigned long long)high);
	}
}

int
main(void)
{
	test_worked_examples();
	test_binomial();
	test_out_size();
	test_pad_index();
	test_corners();
	test_torch();
	test_grid();
	test_depthwise_stage();
	test_errors();
	test_convert();
	test_convert_row();
	return done_testing();
}
