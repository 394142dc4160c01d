import multiprocessing

workers = 2
rounds = 3


def work(name, ns, lock, done):
    for _ in range(rounds):
        # The lock lives in the manager's server process: while another worker holds it,
        # the server keeps this acquire waiting, and so the worker waits for its reply.
        with lock:
            ns.total = ns.total + 1
    done.put(name)


if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        # All three live in the manager's server; ns, lock and done are proxies to them.
        ns = manager.Namespace()
        ns.total = 0
        lock = manager.Lock()
        done = manager.Queue()

        procs = [
            multiprocessing.Process(target=work, args=(f"w{i}", ns, lock, done))
            for i in range(1, workers + 1)
        ]
        for p in procs:
            p.start()
        # Each get waits in the server until a worker has put its name.
        for _ in procs:
            print(done.get(), "is done")
        for p in procs:
            p.join()
        print("total:", ns.total, "expected:", workers * rounds)
