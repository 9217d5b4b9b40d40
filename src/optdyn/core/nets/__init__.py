"""Feed-forward networks as DAGs of layers with hand-written numpy backprop (float64).

Example (X: (N, 3) inputs, Y: (N, 2) targets)::

    from optdyn.core.nets import DAGNet, chain
    net = DAGNet(chain((3, 5, 2), act="tanh", out_act="identity"))
    w = net.init(0)                      # flat float64 parameter vector
    E, g = net.loss_grad(w, X, Y)        # squared error, reduction "sum"

See :mod:`optdyn.core.nets.graph` (architectures), :mod:`optdyn.core.nets.network` (passes),
:mod:`optdyn.core.nets.losses`, :mod:`optdyn.core.nets.activations`, :mod:`optdyn.core.nets.draw`.
"""
from optdyn.core.nets.activations import ACTIVATIONS, Activation, canonical_name, get_activation
from optdyn.core.nets.draw import draw_dag
from optdyn.core.nets.graph import DAGSpec, autoencoder, chain, densenet_like, random_dag, resnet_like, widths_of
from optdyn.core.nets.losses import LOSSES, REDUCTIONS, loss_and_dout, softmax_cross_entropy, squared_error
from optdyn.core.nets.network import DAGNet

__all__ = [
    "ACTIVATIONS", "Activation", "canonical_name", "get_activation", "draw_dag", "DAGSpec", "autoencoder",
    "chain", "densenet_like", "random_dag", "resnet_like", "widths_of", "LOSSES", "REDUCTIONS",
    "loss_and_dout", "softmax_cross_entropy", "squared_error", "DAGNet",
]
