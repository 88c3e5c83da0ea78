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

def orthogonal_gd_margins(answer, p, M, lr, steps):
    """Exercise ex-ch3-gd-margins: margins m_t(x) of GD with orthonormal embeddings from W_0 = 0,
    shape (steps + 1, N); the reference is am.train on E = I, U orthonormal."""
    from .dynamics import train
    from .tasks import Task, orthonormal_embeddings
    from .theory import orthogonal_margin
    name = "margins"
    p = torch.as_tensor(p, dtype=DTYPE)
    N = p.shape[0]
    got = _as_answer(name, answer)
    if got.shape != (steps + 1, N):
        hint = (" Include the start m_0 = 0 as row 0: steps + 1 rows." if got.shape == (steps, N) else
                " One row per step t = 0..steps, one column per token." if got.shape == (N, steps + 1) else "")
        raise CheckError(f"{name}: expected shape (steps + 1, N) = ({steps + 1}, {N}), got {tuple(got.shape)}."
                         f"{hint}")
    d = max(N, M)
    task = Task(E=orthonormal_embeddings(N, d), U=orthonormal_embeddings(M, d), p=p,
                targets=torch.arange(N) % M)
    expected = train(task, lr, steps).margins                                 # (steps + 1, N)
    if _close(got, expected):
        return _passed("gradient-descent margins")
    if not _close(got[0], torch.zeros(N, dtype=DTYPE)):
        raise CheckError(f"{name}: row 0 must be m_0(x) = 0 for every token (W_0 = 0).")
    t = torch.arange(steps + 1, dtype=DTYPE)[:, None]
    _hint_if_matches(name, got, [
        (orthogonal_margin(lr * t, p, M), "these are the gradient-flow margins at time lr * t "
                                          "(am.theory.orthogonal_margin). The exercise asks for gradient "
                                          "DESCENT: iterate m <- m + lr * p * M / (exp(m) + M - 1)."),
    ])
    if torch.allclose(got[1], lr * p / M, atol=1e-8, rtol=1e-8):
        raise CheckError(f"{name}: your first step gives lr * p / M; it must give m_1 = lr * p exactly. "
                         "The increment is lr * p * M / (exp(m) + M - 1): is the factor M missing?")
    if not torch.allclose(got[1], lr * p, atol=1e-8, rtol=1e-8):
        raise CheckError(f"{name}: the first step is wrong: from m = 0 one step gives m_1(x) = lr * p(x).")
    raise CheckError(f"{name}: the first step is right but later ones are not. The increment is "
                     "lr * p * M / (exp(m) + M - 1), evaluated at the CURRENT margin m_t (not at m_0).")


# ---- chapter 4 ----------------------------------------------------------------------------------------

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
    try:
        W_star = minimize_loss(task).W
    except ValueError as err:
        raise CheckError(f"{name}: this task is separable, so the loss has no finite minimizer and no "
                         "threshold: pass the non-separable task of the exercise.") from err
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

# ---- chapter 7 ----------------------------------------------------------------------------------------
