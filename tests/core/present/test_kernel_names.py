"""Readable kernel names, on the names an H100 run really profiled."""

from __future__ import annotations

import pytest

from jitlab.core.present.kernel_names import MAX_PLAIN, short_name

MUL = ("void at::native::vectorized_elementwise_kernel<4, at::native::BinaryFunctor<float, float, float, "
       "at::native::binary_internal::MulFunctor<float> >, std::array<char*, 3ul> >(int, at::native::BinaryFunctor"
       "<float, float, float, at::native::binary_internal::MulFunctor<float> >, std::array<char*, 3ul>)")


def test_issue_example():
    assert short_name(MUL) == "elementwise<Mul>"


def test_every_profiled_h100_name_gets_a_short_readable_form(h100_session):
    names = {item["name"] for v in h100_session["variants"].values() for item in (v["kernels"] or {})["items"]}
    assert len(names) > 15
    for name in names:
        short = short_name(name)
        assert short and len(short) <= MAX_PLAIN, name
        assert "at::native" not in short and "std::array" not in short, short
        if name.startswith("void"):
            assert len(short) < len(name) / 3, (short, name)


@pytest.mark.parametrize("needle, expected", [
    ("vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>", "elementwise<Add>"),
    ("elementwise_kernel<128, 2, at::native::gpu_kernel_impl_nocast<at::native::CUDAFunctor_add",
     "elementwise<Add, strided>"),
    ("vectorized_elementwise_kernel<4, at::native::AUnaryFunctor<float, float, float, "
     "at::native::binary_internal::MulFunctor", "elementwise<Mul, scalar>"),
    ("vectorized_elementwise_kernel<4, at::native::tanh_kernel_cuda", "elementwise<tanh>"),
    ("vectorized_elementwise_kernel<4, at::native::tanh_backward_kernel_cuda", "elementwise<tanh_backward>"),
    ("vectorized_elementwise_kernel<4, at::native::sigmoid_kernel_cuda", "elementwise<sigmoid>"),
    ("launch_clamp_scalar", "elementwise<clamp>"),
    ("vectorized_elementwise_kernel<4, at::native::FillFunctor<float>", "elementwise<Fill>"),
    ("reduce_kernel<128, 4, at::native::ReduceOp<float, at::native::func_wrapper_t<float, at::native::sum_functor",
     "reduce<sum>"),
])
def test_aten_templates(h100_session, needle, expected):
    names = [item["name"] for v in h100_session["variants"].values() for item in (v["kernels"] or {})["items"]
             if needle in item["name"]]
    assert names, needle
    assert {short_name(n) for n in names} == {expected}


def test_compiler_and_plain_names():
    assert short_name("fused_mul_add_tanh_s_2403023317769605389") == "fused_mul_add_tanh_s"
    assert short_name("triton_poi_fused_add_mul_relu_sigmoid_tanh_0") == "triton_poi_fused_add_mul_relu_sigmoid_tanh_0"
    assert short_name("cpp_fused_add_mul_relu_sigmoid_tanh_0") == "cpp_fused_add_mul_relu_sigmoid_tanh_0"
    assert short_name("aten::mul") == "aten::mul"
    assert short_name("Memset (Device)") == "Memset (Device)"
    assert short_name("sm80_xmma_gemm_f32f32_f32f32_f32_nt_n_tilesize32x32x8_stage3_warpsize1x2x1_ffma_aligna4_"
                      "alignc4_execute_kernel__5x_cublas") == "gemm<nt> (cuBLAS sm80 32x32x8)"
    assert short_name("void gemmSN_TN_kernel<float, 128, 16, 2, 4, 8, 9, false, cublasGemvTensorStridedBatched<float "
                      "const> >(cublasGemmSmallNParams<float>)") == "gemmSN_TN<float>"
    assert short_name("void cutlass::Kernel2<cutlass_80_simt_sgemm_128x64_8x5_nn_align1>(cutlass_80_simt_sgemm_128x64"
                      "_8x5_nn_align1::Params)") == "cutlass_80_simt_sgemm_128x64_8x5_nn_align1"
    assert short_name("") == ""
