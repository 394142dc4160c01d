"""Three processes meet at a Barrier twice; each reports the round it passed."""

import multiprocessing


def meet(barrier, q, name):
    for rnd in range(2):
        barrier.wait()
        q.put((rnd, name))


if __name__ == "__main__":
    barrier = multiprocessing.Barrier(3)
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=meet, args=(barrier, q, f"w{i}")) for i in range(2)]
    for p in ps:
        p.start()
    meet(barrier, q, "main")
    print(sorted(q.get() for _ in range(6)))
    for p in ps:
        p.join()
    print("parties", barrier.parties, "broken", barrier.broken)
