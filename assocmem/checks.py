"""Self-checking exercises: one checker per auto-checkable exercise of the book.

A checker takes the learner's answer. A wrong answer raises ``CheckError`` (an AssertionError) with a
targeted hint that says what is wrong and what to look at; a right answer prints a one-line confirmation.
Checkers compare against the package's own reference implementation computed on the same inputs, never
against numbers stored here.
"""
import torch

from ._validate import DTYPE


class CheckError(AssertionError):
    """A wrong answer to an exercise; the message is the hint."""


def _passed(name):
    print(f"Correct: {name} checks out.")


def _as_answer(name, answer, shape=None):
    """The answer as a float64 tensor, or a CheckError saying why it cannot be one."""
    if answer is None or answer is Ellipsis:
        raise CheckError(f"{name}: no answer yet. Replace the `...` with your code.")
    try:
        t = torch.as_tensor(answer, dtype=DTYPE)
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckError(f"{name}: expected numbers (a tensor or array-like), got {type(answer).__name__}.") from err
    if shape is not None and tuple(t.shape) != tuple(shape):
        raise CheckError(f"{name}: expected shape {tuple(shape)}, got {tuple(t.shape)}.")
    return t


def _close(a, b, tol=1e-8):
    return torch.allclose(a, b, atol=tol, rtol=tol)

# ---- chapter 1 ----------------------------------------------------------------------------------------

def margins(answer, S, targets):
    """Exercise ex-ch1-margins: the margins m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x, y] of a score matrix."""
    S = torch.as_tensor(S, dtype=DTYPE)
    targets = torch.as_tensor(targets)
    m = _as_answer("margins", answer)
    N, M = S.shape
    if m.shape != (N,):
        raise CheckError(f"margins: expected one margin per input token, shape ({N},), got {tuple(m.shape)}. "
                         "Did you keep a column per output? Reduce over the output axis (dim=1).")
    Y = torch.nn.functional.one_hot(targets, M).to(DTYPE)
    target = (S * Y).sum(1)
    rival = S.masked_fill(Y.bool(), -torch.inf).amax(1)
    expected = target - rival
    if _close(m, expected):
        return _passed("margins")
    if _close(m, -expected):
        raise CheckError("margins: right size, wrong sign. The margin is the target score MINUS the best rival.")
    if _close(m, target - S.amax(1)):
        raise CheckError("margins: your maximum includes the target's own score, so no margin can be positive. "
                         "Exclude y = f*(x) before taking the max (e.g. fill it with -inf).")
    if _close(m, target):
        raise CheckError("margins: these are the target scores S[x, f*(x)]; subtract the best rival score.")
    raise CheckError("margins: wrong values. For each row x: take S[x, f*(x)], then subtract the largest "
                     "S[x, y] over y != f*(x).")


def hebbian_memory(answer, E, U, targets):
    """Exercise ex-ch1-hebbian: W = sum_x u_{f*(x)} e_x^T, shape (d, d), in the orientation S = E W^T U^T."""
    E = torch.as_tensor(E, dtype=DTYPE)
    U = torch.as_tensor(U, dtype=DTYPE)
    targets = torch.as_tensor(targets)
    d = E.shape[1]
    W = _as_answer("W", answer)
    if W.shape != (d, d):
        raise CheckError(f"W: expected a (d, d) = ({d}, {d}) matrix, got {tuple(W.shape)}. A sum of outer "
                         "products u e^T of two d-vectors is d x d.")
    expected = U[targets].T @ E                                   # sum_x u_{f*(x)} e_x^T
    if _close(W, expected):
        return _passed("Hebbian memory")
    if _close(W, expected.T):
        raise CheckError("W: you built sum_x e_x u_{f*(x)}^T, the transpose. The score is u_y^T W e_x, so W "
                         "maps input embeddings to output embeddings: W = sum_x u_{f*(x)} e_x^T.")
    if _close(W, U.T @ E[: U.shape[0]]) or _close(W, U[: E.shape[0]].T @ E):
        raise CheckError("W: pair each e_x with the output embedding of ITS target, u_{f*(x)} = U[targets[x]], "
                         "not with U[x].")
    raise CheckError("W: wrong values. Sum the outer products torch.outer(U[targets[x]], E[x]) over x, "
                     "or write it as one product U[targets].T @ E.")

# ---- chapter 2 ----------------------------------------------------------------------------------------

def _hint_if_matches(name, got, variants):
    """Raise the hint of the first (reference, hint) variant that the answer matches."""
    for ref, hint in variants:
        if ref.shape == got.shape and _close(got, ref):
            raise CheckError(f"{name}: {hint}")


def score_step(answer, task, S, lr):
    """Exercise ex-ch2-score-step: one GD step in score space, S - lr K_e D_p (softmax(S) - Y) K_u, shape (N, M)."""
    from .particles import gram, simulate
    name = "S_next"
    S = torch.as_tensor(S, dtype=DTYPE)
    got = _as_answer(name, answer)
    if got.shape != S.shape:
        raise CheckError(f"{name}: expected the scores of every token for every output, shape (N, M) = "
                         f"{tuple(S.shape)}, got {tuple(got.shape)}. Check the order of the products: "
                         "K_e (N, N) @ residual (N, M) @ K_u (M, M).")
    expected = simulate(task, lr, 1, S0=S)[1]                                   # (N, M)
    if _close(got, expected):
        return _passed("one step of the score recursion")
    K_e, K_u, p, Y = gram(task.E), gram(task.U), task.p[:, None], task.Y
    P = torch.softmax(S, dim=-1)
    R = p * (P - Y)                                                             # D_p (P(S) - Y)
    _hint_if_matches(name, got, [
        (S, "S_next equals S: apply the update, S_next = S - lr * K_e @ D_p (P(S) - Y) @ K_u."),
        (-lr * K_e @ R @ K_u, "this is the increment only; add it to S."),
        (S + lr * K_e @ R @ K_u, "right size, wrong sign. Gradient descent moves against the gradient: subtract "
                                 "lr * K_e D_p (P(S) - Y) K_u (did you write Y - P(S)?)."),
        (S - lr * K_e @ (P - Y) @ K_u, "the frequencies are missing: weight row x' of P(S) - Y by p(x') "
                                       "(the factor D_p)."),
        (S - lr * p * (K_e @ (P - Y)) @ K_u, "p(x) weights the wrong token: D_p multiplies the residual of the "
                                             "PUSHING token x' before K_e mixes the rows, K_e @ (p[:, None] * "
                                             "(P - Y)), not p[:, None] * (K_e @ (P - Y))."),
        (S - lr * K_e @ (p * (torch.softmax(S, dim=0) - Y)) @ K_u, "the softmax runs over the wrong axis: "
                                                                  "normalise each row (dim=-1), one row per "
                                                                  "input token."),
        (S - lr * R @ K_u, "K_e is missing: multiply on the left by the input Gram matrix K_e = E @ E.T."),
        (S - lr * K_e @ R, "K_u is missing: multiply on the right by the output Gram matrix K_u = U @ U.T."),
        (S - lr * R, "both Gram matrices are missing: the update is K_e @ D_p (P(S) - Y) @ K_u."),
    ])
    raise CheckError(f"{name}: wrong values. Compute K_e = E @ E.T, K_u = U @ U.T, the residual "
                     "p[:, None] * (softmax(S, dim=-1) - Y), then S - lr * K_e @ residual @ K_u.")


def interaction_kernel(answer, task):
    """Exercise ex-ch2-kernel: K[x, x'] = p(x') <e_x, e_x'>, shape (N, N)."""
    from .particles import gram, interaction_kernel as reference
    name = "K"
    got = _as_answer(name, answer)
    N, d = task.N, task.d
    if got.shape != (N, N):
        hint = " E.T @ E is the (d, d) Gram matrix of the coordinates; you want E @ E.T." \
            if got.shape == (d, d) else ""
        raise CheckError(f"{name}: expected one entry per pair of tokens, shape (N, N) = ({N}, {N}), got "
                         f"{tuple(got.shape)}.{hint}")
    expected = reference(task)
    if _close(got, expected):
        return _passed("interaction kernel")
    G = gram(task.E)
    _hint_if_matches(name, got, [
        (expected.T, "transposed: row x is the pushed token and column x' the pusher, and the weight is the "
                     "frequency of the PUSHER, p(x'). Multiply column x' by p(x'): (E @ E.T) * p."),
        (G, "this is the Gram matrix alone: multiply column x' by the frequency p(x')."),
        (G * task.p[:, None] * task.p, "p appears twice: only the pusher's frequency p(x') enters."),
    ])
    raise CheckError(f"{name}: wrong values. K = (E @ E.T) * p, so that K[x, x'] = p(x') <e_x, e_x'>.")


# ---- chapter 3 ----------------------------------------------------------------------------------------

def gradient_flow_margin(answer, t, p, M):
    """Exercise ex-ch3-solve: the root m of e^m + (M - 1) m = 1 + M p t, broadcast over t and p."""
    from .theory import orthogonal_margin
    name = "margins"
    t = torch.as_tensor(t, dtype=DTYPE)
    p = torch.as_tensor(p, dtype=DTYPE)
    shape = torch.broadcast_shapes(t.shape, p.shape)
    got = _as_answer(name, answer)
    if got.shape != shape:
        raise CheckError(f"{name}: expected one margin per time and token, the broadcast shape of t and p, "
                         f"{tuple(shape)}; got {tuple(got.shape)}.")
    expected = orthogonal_margin(t, p, M)
    if _close(got, expected):
        return _passed("gradient-flow margin")
    if not torch.isfinite(got).all():
        raise CheckError(f"{name}: your answer has NaN or inf (at t = 0?). log(M p t) is only the large-t "
                         "asymptote; solve e^m + (M - 1) m = 1 + M p t instead, whose root at t = 0 is m = 0.")
    rhs = 1 + M * p * t
    with torch.no_grad():
        residual = (torch.exp(got) + (M - 1) * got - rhs).abs() / rhs
    near_root = (residual < 1e-4).all()
    _hint_if_matches(name, got, [
        (torch.log1p(M * p * t), "you dropped the (M - 1) m term: log(1 + M p t) solves e^m = 1 + M p t. The "
                                 "wrong outputs' scores decrease too, which adds (M - 1) m."),
        (orthogonal_margin(t, p, M + 1), "the coefficient of m is M - 1 (the number of wrong outputs), not M."),
    ])
    if near_root:
        raise CheckError(f"{name}: close, but not converged to machine precision (relative residual up to "
                         f"{residual.max().item():.1e}). Iterate longer (60+ bisection steps) in float64.")
    if (got < 0).any():
        raise CheckError(f"{name}: margins of gradient flow from W_0 = 0 are never negative; the root lies in "
                         "[0, log(1 + M p t)]. Did you drop the 1 on the right-hand side? It comes from m_0 = 0.")
    raise CheckError(f"{name}: wrong values. Find, for each t and p, the m with e^m + (M - 1) m = 1 + M p t: "
                     "bisection on [0, log(1 + M p t)] works, since the left side increases with m.")

# ---- chapter 4 ----------------------------------------------------------------------------------------

def _ch4_pair_sweep(alphas, p1, lr, steps):
    """am.sweep on two tokens with different outputs, U = I, p = (p1, 1 - p1), one run per alpha."""
    from .dynamics import sweep
    from .data import correlated_pair
    E = torch.stack([correlated_pair(a) for a in alphas.tolist()])                   # (A, 2, 2)
    return sweep(E, torch.eye(2, dtype=DTYPE), [p1, 1 - p1], [0, 1], lr, steps)


def first_step_margins(answer, alphas, p1, lr):
    """Exercise ex-ch4-first-step: margins (m_1(1), m_1(2)) after one GD step of size lr from W_0 = 0, for two
    tokens with different outputs, U = I, p = (p1, 1 - p1), one row per correlation alpha. Shape (A, 2)."""
    name = "first_step"
    alphas = torch.as_tensor(alphas, dtype=DTYPE).reshape(-1)
    p1, lr = float(p1), float(lr)
    p2 = 1 - p1
    got = _as_answer(name, answer)
    A = alphas.numel()
    if tuple(got.shape) != (A, 2):
        extra = " It looks transposed." if tuple(got.shape) == (2, A) else ""
        raise CheckError(f"{name}: expected shape ({A}, 2), one row per alpha with columns (token 1, token 2); "
                         f"got {tuple(got.shape)}.{extra}")
    ref = _ch4_pair_sweep(alphas, p1, lr, 1).margins[:, 1]                            # (A, 2)
    # float32 answers are fine: the tolerance (1e-6 absolute + relative) is far below any mistake's effect
    if _close(got, ref, tol=1e-6):
        return _passed("first-step margins")
    a = alphas[:, None]
    variants = [
        (ref.flip(-1), "the columns are swapped: column 0 is token 1 (frequency p1), column 1 is token 2."),
        (torch.cat([p1 - a * p2, p2 - a * p1], -1),
         "right up to the step size: multiply by lr."),
        (2 * ref, "twice too large: at W_0 = 0 each token pushes with sigma(-m_0) = sigma(0) = 1/2, which "
                  "cancels c = ||u_1 - u_2||^2 = 2."),
        (ref / 2, "half the right size: you left out c = ||u_1 - u_2||^2, which is 2 for U = I."),
        (lr * torch.cat([p1 + a * p2, p2 + a * p1], -1),
         "the interference term has the wrong sign: the tokens have different outputs (epsilon = -1), so a "
         "positive correlation pushes the other token's margin down."),
        (lr * torch.cat([p1 - a * p1, p2 - a * p2], -1),
         "the interference term uses the wrong frequency: token x' pushes token x with weight "
         "p(x') <e_x, e_x'>, the frequency of the token that pushes."),
    ]
    for variant, hint in variants:
        if _close(got, variant, tol=1e-6):
            raise CheckError(f"{name}: {hint}")
    raise CheckError(f"{name}: wrong values. Start from the binary margin step of chapter 2 with m_0 = 0: "
                     "m_1(x) = lr * c * sum_x' p(x') <e_x, e_x'> eps_xx' sigma(0), with <e_1, e_2> = alpha.")


def spike_onset(answer, alpha, p1):
    """Exercise ex-ch4-onset: the step size eta* above which the first GD step from W_0 = 0 raises the loss
    above log 2, for two tokens with different outputs, U = I, correlation alpha and p = (p1, 1 - p1)."""
    from . import theory
    from .data import two_token_task
    name = "eta_star"
    got = _as_answer(name, answer)
    if got.numel() != 1:
        raise CheckError(f"{name}: expected one number (a step size), got shape {tuple(got.shape)}.")
    got = float(got.reshape(()))
    alpha, p1 = float(alpha), float(p1)
    task = two_token_task(alpha, p1)
    ref = theory.spike_onset(alpha, p1).item()
    if abs(got / ref - 1) < 1e-6:
        return _passed("spike onset")
    bound = 2 / task.sharpness(task.zeros()).item()
    if abs(got / bound - 1) < 1e-3:
        raise CheckError(f"{name}: this is 2 / lambda_max(grad^2 L(0)), the step size below which the loss "
                         "cannot increase at all. The first spike comes later: solve L(W_1(eta)) = log 2.")
    if got <= 0:
        raise CheckError(f"{name}: a step size must be positive; eta = 0 is the trivial root of "
                         "L(W_1(eta)) = log 2. Bracket the other root, e.g. between 1 and 100.")
    if abs(got / (2 * ref) - 1) < 1e-4 or abs(got / (ref / 2) - 1) < 1e-4:
        raise CheckError(f"{name}: off by a factor 2. With U = I one step moves the margins by "
                         "m_1(1) = eta (p1 - alpha p2) and m_1(2) = eta (p2 - alpha p1).")
    if got < bound:
        raise CheckError(f"{name}: too small: below 2 / lambda_max(grad^2 L(0)) = {bound:.3f} no step can raise "
                         "the loss. Check that L(W_1) is sum_x p(x) log(1 + exp(-m_1(x))).")
    raise CheckError(f"{name}: not the root. L(W_1(eta)) = p1 log(1 + exp(-m_1(1))) + p2 log(1 + exp(-m_1(2))) "
                     "is convex in eta and equals log 2 at eta = 0; find its other crossing of log 2 "
                     "(bisection converges in a few dozen halvings).")

# ---- chapter 5 ----------------------------------------------------------------------------------------

def _one_number(name, answer):
    t = _as_answer(name, answer)
    if t.numel() != 1:
        raise CheckError(f"{name}: expected a single number, got shape {tuple(t.shape)}. Keep only the largest "
                         "eigenvalue (torch.linalg.eigvalsh sorts them in ascending order: take [-1]).")
    return t.reshape(())


def _rel_close(a, b, tol=1e-6):
    return abs(float(a) / float(b) - 1) < tol


def _top(A):
    return torch.linalg.eigvalsh(A)[..., -1]


def sharpness_at_zero(answer, task):
    """Exercise ex-ch5-sharpness-zero: lambda_max(grad^2 L(0)) = lambda_max(C_0) lambda_max(K), where
    C_0 = U^T (I/M - 1 1^T / M^2) U and K = sum_x p(x) e_x e_x^T."""
    name = "sharpness at W = 0"
    lam = _one_number(name, answer)
    M = task.M
    C0 = task.U.T @ (torch.eye(M, dtype=DTYPE) / M - 1.0 / M**2) @ task.U      # (d, d)
    K = task.E.T @ (task.p[:, None] * task.E)                                   # (d, d)
    if _close(lam, task.sharpness(task.zeros())):
        return _passed(name)
    if _close(lam, _top(K)):
        raise CheckError(f"{name}: this is lambda_max(K) alone. At W = 0 the Hessian is the Kronecker product "
                         "C_0 (x) K, so multiply by lambda_max(C_0), the curvature of the softmax at uniform "
                         "probabilities.")
    if _close(lam, _top(K) / M):
        raise CheckError(f"{name}: lambda_max(C_0) = 1/M only when the u_y are orthonormal. Here U is random: "
                         "compute lambda_max(U^T (I/M - 1 1^T/M^2) U) from U.")
    for unweighted in (task.E.T @ task.E, task.E.T @ task.E / task.N):
        if _close(lam, _top(C0) * _top(unweighted)):
            raise CheckError(f"{name}: weight each e_x e_x^T by its frequency p(x): K = sum_x p(x) e_x e_x^T "
                             "(E.T @ (p[:, None] * E)).")
    if _close(lam, _top(C0) + _top(K)):
        raise CheckError(f"{name}: the eigenvalues of a Kronecker product A (x) B are the products of those of "
                         "A and B, not their sums.")
    raise CheckError(f"{name}: wrong value. At W = 0 every softmax is uniform, so grad^2 L(0) = C_0 (x) K and "
                     "lambda_max = lambda_max(C_0) * lambda_max(K).")


def _gamma_hessian(task, gamma, weight, p=None):
    """sum_x p(x) weight(m_x) e_x e_x^T for margins m_x = s_x <gamma, e_x>, shape (..., d, d)."""
    sign = 1 - 2 * task.targets.to(DTYPE)                                   # +1 for output 0, -1 for output 1
    m = (gamma @ task.E.T) * sign                                           # (..., N)
    w = (task.p if p is None else p) * weight(m)                            # (..., N)
    return torch.einsum("...x,xi,xj->...ij", w, task.E, task.E)


def gamma_sharpness(answer, task, gamma):
    """Exercise ex-ch5-gamma-sharpness: lambda_max(grad^2 L(W)) for the memories W of a gamma grid (M = 2),
    equal to ||u_1 - u_2||^2 lambda_max(sum_x p(x) sigma(m_x) sigma(-m_x) e_x e_x^T)."""
    from .plane import gamma_to_W
    name = "gamma-plane sharpness"
    gamma = torch.as_tensor(gamma, dtype=DTYPE)
    lam = _as_answer(name, answer)
    if lam.shape != gamma.shape[:-1]:
        raise CheckError(f"{name}: expected one sharpness per point gamma, shape {tuple(gamma.shape[:-1])}, got "
                         f"{tuple(lam.shape)}. Did you return both eigenvalues or the 2 x 2 matrices? Keep the "
                         "largest eigenvalue only.")
    expected = task.sharpness(gamma_to_W(gamma, task.U))
    if _close(lam, expected):
        return _passed(name)
    a = task.U[0] - task.U[1]
    c = (a @ a).item()
    if _close(lam * c, expected):
        raise CheckError(f"{name}: these are the eigenvalues of the Hessian in gamma. The Hessian in W is "
                         f"(a a^T) (x) H_gamma with a = u_1 - u_2, so multiply by ||a||^2 = {c:g}.")
    if _close(lam, expected * c):
        raise CheckError(f"{name}: too large by ||u_1 - u_2||^2 = {c:g}: apply that factor once.")
    curvature = lambda m: torch.sigmoid(m) * torch.sigmoid(-m)
    if _close(lam, c * _top(_gamma_hessian(task, gamma, lambda m: torch.sigmoid(-m)))):
        raise CheckError(f"{name}: sigma(-m) is the weight of the GRADIENT of log(1 + e^-m). Its second "
                         "derivative, the curvature, is sigma(m) sigma(-m).")
    if _close(lam, c * torch.linalg.eigvalsh(_gamma_hessian(task, gamma, curvature))[..., 0]):
        raise CheckError(f"{name}: you took the smallest eigenvalue; the sharpness is the LARGEST one "
                         "(eigvalsh sorts ascending: take [..., -1]).")
    if _close(lam, c * _top(_gamma_hessian(task, gamma, curvature, p=torch.ones(task.N, dtype=DTYPE)))):
        raise CheckError(f"{name}: weight each token's curvature by its frequency p(x).")
    raise CheckError(f"{name}: wrong values. With m_x = +-<gamma, e_x> (sign by the target), form "
                     "H = sum_x p(x) sigma(m_x) sigma(-m_x) e_x e_x^T for every gamma and return "
                     "||u_1 - u_2||^2 lambda_max(H).")


def stability_threshold(answer, task):
    """Exercise ex-ch5-threshold: eta* = 2 / lambda_max(grad^2 L(W*)) at the cross-entropy minimizer W*."""
    from .solvers import minimize_loss
    name = "stability threshold"
    eta = _one_number(name, answer)
    star = minimize_loss(task, tol=1e-10)  # plenty for eta* to 1e-6
    if star.separable:
        raise CheckError(f"{name}: this task is separable, so the loss has no finite minimizer and no "
                         "threshold: pass the non-separable task of the exercise.")
    W_star = star.W
    ev = torch.linalg.eigvalsh(task.hessian(W_star))                          # ascending
    lam = ev[-1]
    if _rel_close(eta, 2 / lam):
        return _passed(name)
    if _rel_close(eta, 1 / lam):
        raise CheckError(f"{name}: off by a factor 2. On a quadratic with curvature lambda, GD multiplies the "
                         "error by 1 - eta lambda, which stays above -1 as long as eta < 2 / lambda.")
    if _rel_close(eta, lam):
        raise CheckError(f"{name}: this is lambda_max itself; the threshold on the step size is 2 / lambda_max.")
    if _rel_close(eta, 2 / task.sharpness(task.zeros())):
        raise CheckError(f"{name}: this uses the sharpness at W = 0. Whether GD can converge is decided at the "
                         "minimizer W* (am.solvers.minimize_loss(task).W), where the iterates would settle.")
    positive = ev[ev > 1e-10 * lam]
    if _rel_close(eta, 2 / positive[0]):
        raise CheckError(f"{name}: you used the smallest non-zero eigenvalue; the first direction to lose "
                         "stability is the one of the LARGEST eigenvalue.")
    raise CheckError(f"{name}: wrong value. Find W* with am.solvers.minimize_loss(task), then return "
                     "2 / lambda_max(task.hessian(W*)).")

# ---- chapter 6 ----------------------------------------------------------------------------------------

def _as_scalar(name, answer):
    got = _as_answer(name, answer)
    if got.numel() != 1:
        raise CheckError(f"{name}: expected one number, got shape {tuple(got.shape)}. Take the minimum over the "
                         "sectors (e.g. .min().item()).")
    return got.reshape(())


def zero_one_optimum(answer, task):
    """Exercise ex-ch6-sectors: min over W of L01(W) for a d = 2, M = 2 task, by enumerating sectors."""
    from .zero_one import ce_minimizer, optimum, sectors, task_coordinates, zero_one
    name = "answer"
    got = _as_scalar(name, answer)
    V, p = task_coordinates(task)
    best = optimum(V, p).loss                                                   # ()
    tol = 1e-6                                  # distinct 0-1 values differ by a frequency, far more than this
    if _close(got, best, tol=tol):
        return _passed("exact 0-1 optimum")
    angle = torch.atan2(V[:, 1], V[:, 0])
    lines = torch.cat([angle + torch.pi / 2, angle - torch.pi / 2]) % (2 * torch.pi)   # (2N,)
    on_lines = torch.stack([lines.cos(), lines.sin()], -1)                      # (2N, 2)
    margins = on_lines @ V.T                                                    # (2N, N)
    cuts = lines.sort().values
    half = (cuts[:-1] + cuts[1:]) / 2                                           # all sectors but the wrapping one
    inner = torch.stack([half.cos(), half.sin()], -1)
    mids = sectors(V, p)["gamma"]                                               # (2N, 2), one per sector
    candidates = [
        (1 - best, "this is the best ACCURACY, 1 - min L01. The exercise asks for the smallest 0-1 loss."),
        (((margins <= 0).to(DTYPE) * p).sum(-1).min(),
         "you evaluated L01 ON the boundary lines, where one token has margin exactly 0 (a tie, counted as an "
         "error). Evaluate at a direction strictly inside each sector, e.g. at the mid-angle of two consecutive "
         "boundaries."),
        (zero_one(inner, V, p).min(),
         "you missed the sector that wraps around: it runs from the largest boundary angle to the smallest one "
         "plus 2 pi."),
        (((mids @ V.T) <= 0).to(DTYPE).mean(-1).min(),
         "errors must be weighted by the frequencies p(x), not counted."),
    ]
    for ref, hint in candidates:
        if _close(got, ref.reshape(()), tol=tol):
            raise CheckError(f"{name}: {hint}")
    if task.N > task.d:
        ce = ce_minimizer(V, p)
        if not ce.separable and _close(got, zero_one(ce.gamma[None], V, p).reshape(()), tol=tol):
            raise CheckError(f"{name}: this is the 0-1 loss of the cross-entropy minimizer, which is what the "
                             "chapter shows can be sub-optimal. Enumerate the sectors instead.")
    if got < best:
        raise CheckError(f"{name}: no memory reaches a 0-1 loss this low. Check the signs s_x (+1 for target 0, "
                         "-1 for target 1) and that a tie (margin 0) counts as an error.")
    raise CheckError(f"{name}: too high: some sector does better. The 2N boundaries are the angles "
                     "atan2(v_x) +- pi/2 (mod 2 pi); evaluate L01 at one direction inside EVERY sector between "
                     "consecutive sorted boundaries.")


def three_token_margins(answer, task):
    """Exercise ex-ch6-three-margins: margins of the cross-entropy minimizer of a non-separable N = 3, d = 2 task,
    from prop-ch6-three-tokens; the reference is the Newton minimizer (am.zero_one.ce_minimizer)."""
    from .zero_one import ce_minimizer, task_coordinates
    name = "margins"
    got = _as_answer(name, answer)
    if got.shape != (3,):
        raise CheckError(f"{name}: expected one margin per token, shape (3,), got {tuple(got.shape)}.")
    V, p = task_coordinates(task)
    ce = ce_minimizer(V, p)
    if bool(ce.separable):
        raise CheckError(f"{name}: this task is separable, so the cross-entropy has no minimizer; the exercise "
                         "needs a non-separable task.")
    expected = V @ ce.gamma                                                     # (3,)
    if _close(got, expected, tol=1e-6):
        return _passed("margins of the three-token minimizer")
    if not torch.isfinite(got).all():
        raise CheckError(f"{name}: some margins are infinite or NaN: your c ran to an end of (0, 1/max r). g(c) "
                         "DEcreases in c, so when g(c) > 0 the root lies to the right (raise the lower end).")
    lam = torch.stack([torch.linalg.det(V[[j, k]]).abs() for j, k in [(1, 2), (2, 0), (0, 1)]])
    if _close(got, -expected, tol=1e-6):
        raise CheckError(f"{name}: right size, wrong sign: m_i = log(1 / (c r_i) - 1), positive for the "
                         "memorized tokens.")
    if abs(float(lam @ got)) > 1e-6 * float(lam.sum() * got.abs().max().clamp_min(1)):
        raise CheckError(f"{name}: these margins violate lambda_1 m_1 + lambda_2 m_2 + lambda_3 m_3 = 0, which any "
                         "memory satisfies: c is not the root of g, or lambda_i is not |det(v_j, v_k)| with "
                         "i, j, k all different (lambda_1 pairs v_2 with v_3).")
    raise CheckError(f"{name}: lambda . m = 0 holds but the values are wrong: check r_i = lambda_i / p(i) (not "
                     "p(i) / lambda_i) and m_i = log(1 / (c r_i) - 1).")


# ---- chapter 7 ----------------------------------------------------------------------------------------

def _diag_margins(S):
    """Margins against the diagonal target, S[x, x] - max_{y != x} S[x, y], shape (n,)."""
    eye = torch.eye(S.shape[-1], dtype=torch.bool)
    return S.diagonal() - S.masked_fill(eye, -torch.inf).amax(-1)


def wk2_memory(answer, model, keys):
    """Exercise ex-ch7-wk2-task: margins of the W_K2 memory over ``keys``, computed with ``am.Task``.

    The reference is ``am.transformer.wk2_margins(model, keys)``: query e_x = w_E(x), key
    u_x' = W_O1 W_V1 w_E(x'), memory W = W_K2^T.
    """
    from .transformer import wk2_margins
    name = "W_K2 margins"
    got = _as_answer(name, answer)
    keys = torch.as_tensor(keys)
    n, V = len(keys), model.tok.shape[0]
    if got.shape != (n,):
        hint = " restrict E and U to the rows of the keys (tok[keys])." if got.numel() == V else ""
        raise CheckError(f"{name}: expected one margin per key, shape ({n},), got {tuple(got.shape)}.{hint}")
    expected = wk2_margins(model, keys)
    if _close(got, expected, tol=1e-6):
        return _passed("the W_K2 memory as a Task")
    f = lambda t: t.detach().to(DTYPE)                                          # noqa: E731
    Q = f(model.tok)[keys]                                                      # (n, d) queries w_E(x)
    K = Q @ f(model.WV1).T @ f(model.WO1).T                                     # (n, d) keys W_O1 W_V1 w_E(x')
    WK2 = f(model.WK2)
    if _close(got, -expected, tol=1e-6):
        raise CheckError(f"{name}: right size, wrong sign: the margin is the target score minus the best other.")
    if _close(got, _diag_margins(Q @ WK2.T @ K.T), tol=1e-6):
        raise CheckError(f"{name}: W must be W_K2 transposed. The book's score is u_y^T W e_x while the attention "
                         "logit is w_E(x)^T W_K2 k_x' = k_x'^T W_K2^T w_E(x).")
    if _close(got, _diag_margins(Q @ WK2 @ Q.T), tol=1e-6) or _close(got, _diag_margins(Q @ WK2.T @ Q.T), tol=1e-6):
        raise CheckError(f"{name}: the key side is the previous token as written by layer 1, "
                         "u_x' = W_O1 W_V1 w_E(x'), not the raw embedding w_E(x').")
    if _close(got, _diag_margins(K @ WK2.T @ Q.T), tol=1e-6) or _close(got, _diag_margins(K @ WK2 @ Q.T), tol=1e-6):
        raise CheckError(f"{name}: queries and keys are swapped: the inputs e_x are the queries w_E(x), the outputs "
                         "u_x' are the keys W_O1 W_V1 w_E(x').")
    raise CheckError(f"{name}: wrong values. Check E = tok[keys], U = tok[keys] @ W_V1^T @ W_O1^T, W = W_K2^T "
                     "and targets = arange(len(keys)).")


def forget_events(answer, margins):
    """Exercise ex-ch7-forget: per-token count of positive -> non-positive transitions of m_t(x)."""
    from .transformer import forget_events as reference
    name = "forget events"
    got = _as_answer(name, answer)
    margins = torch.as_tensor(margins, dtype=DTYPE)
    N = margins.shape[-1]
    if got.shape != (N,):
        hint = " Count per token: sum over the steps only (dim 0)." if got.numel() == 1 else ""
        raise CheckError(f"{name}: expected one count per token, shape ({N},), got {tuple(got.shape)}.{hint}")
    expected = reference(margins).to(DTYPE)
    if torch.equal(got, expected):
        return _passed("forget events")
    pos = margins > 0
    up = (~pos[:-1] & pos[1:]).sum(0).to(DTYPE)
    if torch.equal(got, expected + up):
        raise CheckError(f"{name}: you counted every sign change. A random memory starts with (almost) all "
                         "margins negative, so the first upward crossing is learning; count only positive -> "
                         "non-positive steps.")
    if torch.equal(got, up):
        raise CheckError(f"{name}: you counted the recoveries (non-positive -> positive), not the losses.")
    strict = margins >= 0
    if torch.equal(got, (strict[:-1] & ~strict[1:]).sum(0).to(DTYPE)) or \
            torch.equal(got, (pos[:-1] & (margins[1:] < 0)).sum(0).to(DTYPE)):
        raise CheckError(f"{name}: a margin of exactly 0 is a tie, and the book counts a tie as an error: "
                         "memorized means m > 0, forgotten means m <= 0.")
    raise CheckError(f"{name}: wrong counts. Compare m_t(x) > 0 with m_(t+1)(x) > 0 for consecutive steps.")
