"""Two children add to a shared Value and Array under their locks; main prints the totals."""

import multiprocessing


def add(counter, totals, k):
    for i in range(20):
        with counter.get_lock():
            counter.value += 1
        with totals.get_lock():
            totals[i % 3] += k


if __name__ == "__main__":
    counter = multiprocessing.Value("i", 0)
    totals = multiprocessing.Array("i", 3)
    ps = [multiprocessing.Process(target=add, args=(counter, totals, k)) for k in (1, 100)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print("counter", counter.value)
    print("totals", list(totals))
    ratio = multiprocessing.Value("d", 0.5, lock=False)
    ratio.value *= 3
    print("ratio", ratio.value)
