import multiprocessing

# Every process gets its own copy of this module-level list.
result = []


def square_list(mylist):
    # Runs in the child: it changes the child's copy of `result` and nothing else.
    global result
    for num in mylist:
        result.append(num * num)
    print("Result(in process p1): {}".format(result))


if __name__ == "__main__":
    mylist = [1, 2, 3, 4]

    p1 = multiprocessing.Process(target=square_list, args=(mylist,))
    p1.start()
    p1.join()

    # The parent's copy was never touched, so it is still empty.
    print("Result(in main program): {}".format(result))
