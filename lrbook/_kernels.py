# TEMPORARY hand-written placeholder with the agreed kernel names and signatures.
# It will be replaced by the output of `python -m lrbook.codegen` (generated from lrbook.symbolic).
from numpy import exp, log
from lrbook._primitives import sigmoid, log_sigmoid, softplus, logsumexp, softmax, rowsum

def bce_loss(y, z):
    return -y*log_sigmoid(z) - (1 - y)*log_sigmoid(-z)

def bce_dz(y, z):
    return sigmoid(z) - y

def bce_d2z(z):
    return sigmoid(z)*sigmoid(-z)

def ce_loss(Y, Z):
    return logsumexp(Z) - rowsum(Y*Z)

def ce_dz(Y, Z):
    return softmax(Z) - Y

def softmax_jacobian(p_j, p_c, delta_jc):
    return p_j*(delta_jc - p_c)

def sse_loss(y, z):
    return (y - z)**2

def sse_dz(y, z):
    return -2*(y - z)

def sigmoid_dz_from_output(a):
    return a*(1 - a)

def tanh_dz_from_output(a):
    return 1 - a**2

def mlp_delta_hidden(back, a):
    return back*a*(1 - a)
