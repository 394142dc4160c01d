import multiprocessing


def square(n):
    return n * n


def add(a, b):
    return a + b


def fails(n):
    if n == 3:
        raise ValueError("three is not allowed")
    return n


def got(value):
    print("callback:", value)


def failed(exc):
    print("error callback:", repr(exc))


if __name__ == "__main__":
    with multiprocessing.Pool(3) as pool:
        print(pool.apply(square, (4,)))
        print(pool.starmap(add, [(1, 2), (3, 4)]))
        print(list(pool.imap(square, range(4))))
        print(sorted(pool.imap_unordered(square, [5, 6, 7], 2)))
        print(pool.starmap_async(add, [(5, 5)], callback=got).get())
        pool.apply_async(fails, (3,), error_callback=failed).wait()
        try:
            pool.map(fails, [1, 2, 3, 4])
        except ValueError as exc:
            print("map raised:", exc)
        try:
            pool.apply_async(square, (2,)).get(timeout=0)
        except multiprocessing.TimeoutError:
            print("not ready yet")
        pool.close()
        try:
            pool.apply_async(square, (1,))
        except ValueError as exc:
            print("closed:", exc)
        pool.join()
