import multiprocessing


def greet():
    print("hello from p1")


if __name__ == "__main__":
    p1 = multiprocessing.Process(target=greet)
    p1.start()
    p1.join()
    raise ValueError("the program failed on purpose")
