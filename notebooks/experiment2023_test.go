package notebooks_test

// experiment2023 lists the 2023 figure notebooks converted to the experiment form (see experimentNotebooks).
var experiment2023 = map[string]bool{
	"2023-fig01": true,
	"2023-fig05": true, "2023-fig06": true, "2023-fig07": true, "2023-fig08": true, "2023-fig09": true, "2023-fig10": true,
	"2023-fig11": true, "2023-fig12": true, "2023-fig13": true, "2023-fig14": true, "2023-fig16": true, "2023-fig17": true,
	"2023-fig03": true, "2023-fig15": true,
	"2023-fig02": true, "2023-fig04": true, "2023-table1": true, "2023-table2": true, "2023-table3": true, "2023-table4": true, "2023-table5": true, "2023-table6": true, "2023-table7": true, "2023-table8": true,
}
