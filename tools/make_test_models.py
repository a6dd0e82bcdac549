#!/usr/bin/python3
"""Writes a TorchScript model with the exact architecture of the MONAI `spleen_ct_segmentation`
bundle's network, with fixed-seed (untrained) weights, for tests, demos and benchmarks.

    /usr/bin/python3 tools/make_test_models.py --output model.ts [--seed 0]

Run it with Debian's /usr/bin/python3 (python3-torch); MONAI itself is not needed. The network is
    monai.networks.nets.UNet(spatial_dims=3, in_channels=1, out_channels=2,
                             channels=(16, 32, 64, 128, 256), strides=(2, 2, 2, 2),
                             num_res_units=2, norm="batch")
with MONAI's defaults (kernel_size=3, up_kernel_size=3, act=PReLU, dropout=0.0, bias=True,
adn_ordering="NDA"). The classes below re-create MONAI's module tree (same submodule names,
so a state_dict of the real bundle would load into it, and the same construction order, so
a seed draws the same initial weights): UNet -> nested Sequential(down, SkipConnection(sub),
up); ResidualUnit(conv=Sequential(unit0, unit1), residual); Convolution(conv, adn);
ADN(N=BatchNorm3d, D=Dropout(p=0.0), A=PReLU). Sources: MONAI monai/networks/nets/unet.py,
monai/networks/blocks/convolutions.py, monai/networks/blocks/acti_norm.py (ADN),
monai/networks/layers/convutils.py (same_padding, stride_minus_kernel_padding).
The model is compiled with torch.jit.script, as the bundle's model.ts, and carries
extra/metadata.json and extra/inference.json like a bundle export.
"""
import argparse
import json
import sys

import torch
import torch.nn as nn

EXPECTED_PARAMETERS = 4808917  # spec §4.2


class ADN(nn.Sequential):
    """monai.networks.blocks.ADN with ordering "NDA", batch norm, dropout p and PReLU."""

    def __init__(self, channels: int, dropout: float):
        super().__init__()
        self.add_module("N", nn.BatchNorm3d(channels))
        self.add_module("D", nn.Dropout(p=float(dropout)))  # dropout_dim=1 -> nn.Dropout
        self.add_module("A", nn.PReLU())


class Convolution(nn.Sequential):
    """monai.networks.blocks.Convolution (3-D, dilation 1, groups 1, bias)."""

    def __init__(self, in_channels, out_channels, strides=1, kernel_size=3, dropout=0.0,
                 conv_only=False, is_transposed=False):
        super().__init__()
        padding = (kernel_size - 1) // 2  # same_padding(kernel_size, 1)
        if is_transposed:
            # output_padding = stride_minus_kernel_padding(1, strides) = strides - 1
            conv = nn.ConvTranspose3d(in_channels, out_channels, kernel_size=kernel_size,
                                      stride=strides, padding=padding,
                                      output_padding=strides - 1, groups=1, bias=True,
                                      dilation=1)
        else:
            conv = nn.Conv3d(in_channels, out_channels, kernel_size=kernel_size, stride=strides,
                             padding=padding, dilation=1, groups=1, bias=True)
        self.add_module("conv", conv)
        if not conv_only:
            self.add_module("adn", ADN(out_channels, dropout))


class ResidualUnit(nn.Module):
    """monai.networks.blocks.ResidualUnit (3-D)."""

    def __init__(self, in_channels, out_channels, strides=1, kernel_size=3, subunits=2,
                 dropout=0.0, last_conv_only=False):
        super().__init__()
        self.conv = nn.Sequential()
        self.residual = nn.Identity()
        padding = (kernel_size - 1) // 2
        schannels, sstrides = in_channels, strides
        subunits = max(1, subunits)
        for su in range(subunits):
            conv_only = last_conv_only and su == (subunits - 1)
            unit = Convolution(schannels, out_channels, strides=sstrides,
                               kernel_size=kernel_size, dropout=dropout, conv_only=conv_only)
            self.conv.add_module(f"unit{su:d}", unit)
            schannels, sstrides = out_channels, 1
        if strides != 1 or in_channels != out_channels:
            rkernel_size, rpadding = kernel_size, padding
            if strides == 1:  # only adapting the channel count: 1x1x1 kernel, no padding
                rkernel_size, rpadding = 1, 0
            self.residual = nn.Conv3d(in_channels, out_channels, rkernel_size, strides, rpadding,
                                      bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res: torch.Tensor = self.residual(x)
        cx: torch.Tensor = self.conv(x)
        return cx + res


class SkipConnection(nn.Module):
    """monai.networks.layers.SkipConnection(mode="cat", dim=1)."""

    def __init__(self, submodule: nn.Module, dim: int = 1):
        super().__init__()
        self.submodule = submodule
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.submodule(x)
        return torch.cat([x, y], dim=self.dim)


class UNet(nn.Module):
    """monai.networks.nets.UNet restricted to 3-D, PReLU, batch norm, num_res_units > 0."""

    def __init__(self, in_channels=1, out_channels=2, channels=(16, 32, 64, 128, 256),
                 strides=(2, 2, 2, 2), kernel_size=3, up_kernel_size=3, num_res_units=2,
                 dropout=0.0):
        super().__init__()
        assert num_res_units > 0
        self.kernel_size = kernel_size
        self.up_kernel_size = up_kernel_size
        self.num_res_units = num_res_units
        self.dropout = dropout

        def _create_block(inc, outc, chans, strs, is_top):
            c, s = chans[0], strs[0]
            if len(chans) > 2:
                subblock = _create_block(c, c, chans[1:], strs[1:], False)
                upc = c * 2
            else:
                subblock = self._get_bottom_layer(c, chans[1])
                upc = c + chans[1]
            down = self._get_down_layer(inc, c, s, is_top)
            up = self._get_up_layer(upc, outc, s, is_top)
            return nn.Sequential(down, SkipConnection(subblock), up)

        self.model = _create_block(in_channels, out_channels, channels, strides, True)

    def _get_down_layer(self, in_channels, out_channels, strides, is_top):
        return ResidualUnit(in_channels, out_channels, strides=strides,
                            kernel_size=self.kernel_size, subunits=self.num_res_units,
                            dropout=self.dropout)

    def _get_bottom_layer(self, in_channels, out_channels):
        return self._get_down_layer(in_channels, out_channels, 1, False)

    def _get_up_layer(self, in_channels, out_channels, strides, is_top):
        conv = Convolution(in_channels, out_channels, strides=strides,
                           kernel_size=self.up_kernel_size, dropout=self.dropout,
                           conv_only=is_top and self.num_res_units == 0, is_transposed=True)
        ru = ResidualUnit(out_channels, out_channels, strides=1, kernel_size=self.kernel_size,
                          subunits=1, dropout=self.dropout, last_conv_only=is_top)
        return nn.Sequential(conv, ru)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


METADATA = {
    "name": "openhi generated spleen_ct_segmentation architecture (untrained)",
    "version": "0.0.0-test",
    "task": "Test model with the spleen bundle's UNet architecture and fixed-seed weights",
    "network_data_format": {
        "inputs": {"image": {"type": "image", "format": "hounsfield", "num_channels": 1,
                             "spatial_shape": [96, 96, 96], "dtype": "float32",
                             "value_range": [0, 1]}},
        "outputs": {"pred": {"type": "image", "format": "segmentation", "num_channels": 2,
                             "spatial_shape": [96, 96, 96], "dtype": "float32",
                             "channel_def": {"0": "background", "1": "spleen"}}},
    },
}
INFERENCE = {
    "preprocessing": ["Orientationd(axcodes=RAS)", "Spacingd(pixdim=[1.5,1.5,2.0],mode=bilinear)",
                      "ScaleIntensityRanged(a_min=-57,a_max=164,b_min=0,b_max=1,clip=true)"],
    "inferer": {"roi_size": [96, 96, 96], "sw_batch_size": 4, "overlap": 0.5},
    "postprocessing": ["Activationsd(softmax=true)", "Invertd", "AsDiscreted(argmax=true)"],
}


def build_unet(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    net = UNet()
    net.eval()
    return net


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, help="path of the TorchScript file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    net = build_unet(args.seed)
    n_params = sum(p.numel() for p in net.parameters())
    if n_params != EXPECTED_PARAMETERS:
        print(f"parameter count {n_params} != {EXPECTED_PARAMETERS}", file=sys.stderr)
        return 1
    scripted = torch.jit.script(net)
    extra = {"metadata.json": json.dumps(METADATA), "inference.json": json.dumps(INFERENCE)}
    torch.jit.save(scripted, args.output, _extra_files=extra)
    print(f"wrote {args.output}: UNet, {n_params} parameters, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
